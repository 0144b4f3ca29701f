// An organisation's public join page: brand, terms, commission summary and questions.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { applyBrand } from "../../../lib/branding/apply-brand";
import { recruitingKeys } from "./keys";

export const getJoinPage = async (slug: string) =>
  unwrap(await api.GET("/api/v1/public/tenants/{slug}/join", { params: { path: { slug } } }));

export const getJoinPageQueryOptions = (slug: string) =>
  queryOptions({ queryKey: recruitingKeys.joinPage(slug), queryFn: () => getJoinPage(slug), retry: false });

export function useJoinPage(slug: string) {
  const page = useQuery(getJoinPageQueryOptions(slug));
  useEffect(() => {
    if (page.data) applyBrand({ color: page.data.tenant.brand_color, name: page.data.tenant.display_name });
  }, [page.data]);
  return page;
}
