// Query keys of the dashboards: one per role and range of days.
import type { Span } from "../types";

export const dashboardKeys = {
  of: (role: string, span: Span) => ["dashboards", role, span.start, span.end, span.currency ?? ""] as const,
};
