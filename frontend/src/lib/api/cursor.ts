// Cursor-paginated lists ("Load more"): pages of `{items, next_cursor}`, read as one list of rows.
import { infiniteQueryOptions, type QueryKey } from "@tanstack/react-query";

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export function cursorListOptions<T, TKey extends QueryKey>(queryKey: TKey, fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  return infiniteQueryOptions({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    select: (data) => data.pages.flatMap((p) => p.items),
  });
}
