import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export const platformKeys = { tenants: ["platform", "tenants"] as const };

export const fetchTenants = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/platform/tenants", { params: { query: { cursor: cursor ?? undefined, limit: 50 } } }));

export const setTenantStatus = async ({ id, suspend }: { id: string; suspend: boolean }) =>
  suspend
    ? unwrap(await api.POST("/api/v1/platform/tenants/{tenant_id}/suspend", { params: { path: { tenant_id: id } } }))
    : unwrap(await api.POST("/api/v1/platform/tenants/{tenant_id}/reactivate", { params: { path: { tenant_id: id } } }));
