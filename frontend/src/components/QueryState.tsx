// One way to show what a query holds: a spinner while it loads, the API's problem (with "Try
// again") when it fails, `empty` when it returns no rows, and otherwise `children(data)`.
import type { ReactNode } from "react";
import { problemOf } from "../lib/api/problem";
import { EmptyState, ErrorState, Loading } from "./ui";

interface QueryLike<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

export function QueryState<T>({ query, empty, retry = true, children }: {
  query: QueryLike<T>;
  /** Shown instead of `children` when the data is an empty list. */
  empty?: ReactNode;
  /** Offer "Try again" on an error. */
  retry?: boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.isError) {
    return <ErrorState problem={problemOf(query.error)} onRetry={retry ? () => void query.refetch() : undefined} />;
  }
  const data = query.data as T;
  if (empty !== undefined && Array.isArray(data) && data.length === 0) return <EmptyState>{empty}</EmptyState>;
  return <>{children(data)}</>;
}
