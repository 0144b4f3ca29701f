// The vendor dashboard over a range of days.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import type { Span } from "../types";
import { dashboardKeys } from "./keys";

export const getVendorDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/vendor", { params: { query: span } }));

export const getVendorDashboardQueryOptions = (span: Span) =>
  queryOptions({ queryKey: dashboardKeys.of("vendor", span), queryFn: () => getVendorDashboard(span) });

export const useVendorDashboard = (span: Span) => useQuery(getVendorDashboardQueryOptions(span));
