// The approved products an affiliate can write about (the marketplace, newest first).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { contentKeys } from "./keys";

export const getPromotableProducts = async () =>
  unwrap(await api.GET("/api/v1/marketplace", { params: { query: { limit: 100 } } }));

export const getPromotableProductsQueryOptions = () =>
  queryOptions({ queryKey: contentKeys.products, queryFn: getPromotableProducts, select: (page) => page.items });

export const usePromotableProducts = () => useQuery(getPromotableProductsQueryOptions());
