// Hybrid search of the marketplace: by words and by meaning, each result saying which.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import type { SearchFilters } from "../types";
import { searchKeys } from "./keys";

export const searchProducts = async (f: SearchFilters) =>
  unwrap(await api.GET("/api/v1/products/search", { params: { query: { ...f, limit: 24 } } }));

export const searchProductsQueryOptions = (f: SearchFilters) =>
  queryOptions({ queryKey: searchKeys.results(f), queryFn: () => searchProducts(f) });

export const useSearchProducts = (f: SearchFilters) => useQuery(searchProductsQueryOptions(f));
