// Generated posts, newest first (an affiliate's own; an organisation admin: everyone's).
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { contentKeys } from "./keys";

export const getGenerations = async (productId: string | null, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/content/generations", { params: { query: { product_id: productId ?? undefined, cursor: cursor ?? undefined, limit: 20 } } }));

export const getGenerationsQueryOptions = (productId: string | null) =>
  cursorListOptions(contentKeys.history(productId), (cursor) => getGenerations(productId, cursor));

export const useGenerations = (productId: string | null) => useInfiniteQuery(getGenerationsQueryOptions(productId));
