// The marketplace: approved products matching the filters.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import type { MarketFilters } from "../types";
import { catalogKeys } from "./keys";

export const getMarketplace = async (f: MarketFilters, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/marketplace", { params: { query: { ...f, cursor: cursor ?? undefined, limit: 24 } } }));

export const getMarketplaceQueryOptions = (f: MarketFilters) =>
  cursorListOptions(catalogKeys.market(f), (cursor) => getMarketplace(f, cursor));

export const useMarketplace = (f: MarketFilters) => useInfiniteQuery(getMarketplaceQueryOptions(f));
