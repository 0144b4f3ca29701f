// An organisation's public face (name, colour, logo) for the pages a visitor sees before signing
// in; the whole UI wears its brand once it is read.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "../api/client";
import { unwrap } from "../api/problem";
import { applyBrand } from "./apply-brand";

export const brandingKeys = { publicTenant: (slug: string) => ["public-tenant", slug] as const };

export const getPublicTenant = async (slug: string) =>
  unwrap(await api.GET("/api/v1/public/tenants/{slug}", { params: { path: { slug } } }));

export const getPublicTenantQueryOptions = (slug: string) =>
  queryOptions({ queryKey: brandingKeys.publicTenant(slug), queryFn: () => getPublicTenant(slug), retry: false });

export function usePublicTenant(slug: string) {
  const tenant = useQuery(getPublicTenantQueryOptions(slug));
  useEffect(() => {
    if (tenant.data) applyBrand({ color: tenant.data.brand_color, name: tenant.data.display_name });
  }, [tenant.data]);
  return tenant;
}
