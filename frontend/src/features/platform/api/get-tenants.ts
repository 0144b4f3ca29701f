// Every organisation on the platform.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { platformKeys } from "./keys";

export const getTenants = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/platform/tenants", { params: { query: { cursor: cursor ?? undefined, limit: 50 } } }));

export const getTenantsQueryOptions = () => cursorListOptions(platformKeys.tenants, (cursor) => getTenants(cursor));

export const useTenants = () => useInfiniteQuery(getTenantsQueryOptions());
