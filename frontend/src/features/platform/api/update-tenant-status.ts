// Suspend or reactivate an organisation.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { platformKeys } from "./keys";

export const updateTenantStatus = async ({ id, suspend }: { id: string; suspend: boolean }) =>
  suspend
    ? unwrap(await api.POST("/api/v1/platform/tenants/{tenant_id}/suspend", { params: { path: { tenant_id: id } } }))
    : unwrap(await api.POST("/api/v1/platform/tenants/{tenant_id}/reactivate", { params: { path: { tenant_id: id } } }));

export const useUpdateTenantStatus = (config: MutationConfig<typeof updateTenantStatus> = {}) =>
  useApiMutation(updateTenantStatus, { invalidates: [platformKeys.tenants], ...config });
