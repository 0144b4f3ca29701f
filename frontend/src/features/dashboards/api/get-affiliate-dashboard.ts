// The affiliate dashboard over a range of days.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import type { Span } from "../types";
import { dashboardKeys } from "./keys";

export const getAffiliateDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/affiliate", { params: { query: span } }));

export const getAffiliateDashboardQueryOptions = (span: Span) =>
  queryOptions({ queryKey: dashboardKeys.of("affiliate", span), queryFn: () => getAffiliateDashboard(span) });

export const useAffiliateDashboard = (span: Span) => useQuery(getAffiliateDashboardQueryOptions(span));
