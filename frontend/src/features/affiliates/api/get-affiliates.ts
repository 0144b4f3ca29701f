// The organisation's affiliates with their figures, filtered, a page at a time.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import type { DirectoryFilter } from "../types";
import { affiliateKeys } from "./keys";

export const getAffiliates = async (filter: DirectoryFilter, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/affiliates", {
    params: {
      query: {
        start: filter.start,
        end: filter.end,
        q: filter.q || undefined,
        status: filter.status || undefined,
        group_id: filter.group || undefined,
        cursor: cursor ?? undefined,
        limit: 50,
      },
    },
  }));

export const getAffiliatesQueryOptions = (filter: DirectoryFilter) =>
  cursorListOptions(affiliateKeys.list(filter), (cursor) => getAffiliates(filter, cursor));

export const useAffiliates = (filter: DirectoryFilter) => useInfiniteQuery(getAffiliatesQueryOptions(filter));
