// A cursor-paginated list ("Load more"): pages of `{items, next_cursor}`, read as one list of rows.
import { useInfiniteQuery, type QueryKey } from "@tanstack/react-query";

export function useCursorList<T>(queryKey: QueryKey, fetchPage: (cursor: string | null) => Promise<{ items: T[]; next_cursor?: string | null }>) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    select: (data) => data.pages.flatMap((p) => p.items),
  });
}
