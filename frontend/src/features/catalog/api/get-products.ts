// A vendor's own products (a tenant admin: every vendor's), by status.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import type { ProductStatus } from "../types";
import { catalogKeys } from "./keys";

export const getProducts = async (status: ProductStatus | "", cursor: string | null) =>
  unwrap(await api.GET("/api/v1/products", { params: { query: { status: status || undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const getProductsQueryOptions = (status: ProductStatus | "") =>
  cursorListOptions(catalogKeys.mine(status), (cursor) => getProducts(status, cursor));

export const useProducts = (status: ProductStatus | "") => useInfiniteQuery(getProductsQueryOptions(status));
