// One product.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { catalogKeys } from "./keys";

export const getProduct = async (id: string) =>
  unwrap(await api.GET("/api/v1/products/{product_id}", { params: { path: { product_id: id } } }));

export const getProductQueryOptions = (id: string) =>
  queryOptions({ queryKey: catalogKeys.product(id), queryFn: () => getProduct(id) });

export const useProduct = (id: string) => useQuery(getProductQueryOptions(id));
