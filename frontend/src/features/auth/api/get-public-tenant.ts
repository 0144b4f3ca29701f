// An organisation's public face (name, colour, logo) for its sign-up page.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { authKeys } from "./keys";

export const getPublicTenant = async (slug: string) =>
  unwrap(await api.GET("/api/v1/public/tenants/{slug}", { params: { path: { slug } } }));

export const getPublicTenantQueryOptions = (slug: string) =>
  queryOptions({ queryKey: authKeys.publicTenant(slug), queryFn: () => getPublicTenant(slug), retry: false });

export const usePublicTenant = (slug: string) => useQuery(getPublicTenantQueryOptions(slug));
