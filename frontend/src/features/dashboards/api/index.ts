import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

// The range of days and, when not the program's, the currency of the money figures.
export interface Span { start: string; end: string; currency?: string }

export const dashboardKeys = {
  of: (role: string, span: Span) => ["dashboards", role, span.start, span.end, span.currency ?? ""] as const,
};

export const fetchAffiliateDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/affiliate", { params: { query: span } }));
export const fetchVendorDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/vendor", { params: { query: span } }));
export const fetchAdminDashboard = async (span: Span) =>
  unwrap(await api.GET("/api/v1/dashboards/admin", { params: { query: span } }));
