// Reported sales (a vendor's own; a tenant admin: all).
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const getConversions = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/conversions", { params: { query: { cursor: cursor ?? undefined, limit: 50 } } }));

export const getConversionsQueryOptions = () => cursorListOptions(commissionKeys.conversions, (cursor) => getConversions(cursor));

export const useConversions = () => useInfiniteQuery(getConversionsQueryOptions());
