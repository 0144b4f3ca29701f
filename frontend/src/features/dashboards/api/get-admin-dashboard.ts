// The admin dashboard over a range of days.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import type { Span } from "../types";
import { dashboardKeys } from "./keys";

export const getAdminDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/admin", { params: { query: span } }));

export const getAdminDashboardQueryOptions = (span: Span) =>
  queryOptions({ queryKey: dashboardKeys.of("admin", span), queryFn: () => getAdminDashboard(span) });

export const useAdminDashboard = (span: Span) => useQuery(getAdminDashboardQueryOptions(span));
