import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export interface Span { start: string; end: string }

export const dashboardKeys = {
  of: (role: string, span: Span) => ["dashboards", role, span.start, span.end] as const,
};

export const fetchAffiliateDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/affiliate", { params: { query: span } }));
export const fetchVendorDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/vendor", { params: { query: span } }));
export const fetchAdminDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/admin", { params: { query: span } }));
