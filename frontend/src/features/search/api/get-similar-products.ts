// Marketplace products closest in meaning to one product.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { searchKeys } from "./keys";

export const getSimilarProducts = async (id: string) =>
  unwrap(await api.GET("/api/v1/products/{product_id}/similar", { params: { path: { product_id: id }, query: { limit: 4 } } }));

export const getSimilarProductsQueryOptions = (id: string) =>
  queryOptions({ queryKey: searchKeys.similar(id), queryFn: () => getSimilarProducts(id) });

export const useSimilarProducts = (id: string) => useQuery(getSimilarProductsQueryOptions(id));
