// One affiliate's profile over a range of days.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import type { ProfileSpan } from "../types";
import { affiliateKeys } from "./keys";

export const getAffiliate = async (id: string, span: ProfileSpan) =>
  unwrap(await api.GET("/api/v1/affiliates/{affiliate_id}", { params: { path: { affiliate_id: id }, query: span } }));

export const getAffiliateQueryOptions = (id: string, span: ProfileSpan) =>
  queryOptions({ queryKey: affiliateKeys.one(id, span), queryFn: () => getAffiliate(id, span) });

export const useAffiliate = (id: string, span: ProfileSpan) => useQuery(getAffiliateQueryOptions(id, span));
