// Tracked links (an affiliate's own; a tenant admin: all), optionally of one product.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { linkKeys } from "./keys";

export const getLinks = async (productId: string | null, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/links", { params: { query: { product_id: productId ?? undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const getLinksQueryOptions = (productId: string | null) =>
  cursorListOptions(linkKeys.list(productId), (cursor) => getLinks(productId, cursor));

export const useLinks = (productId: string | null) => useInfiniteQuery(getLinksQueryOptions(productId));
