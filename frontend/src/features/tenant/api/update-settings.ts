// Change the organisation's settings.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const updateSettings = async (body: Schemas["TenantSettingsUpdate"]) =>
  unwrap(await api.PATCH("/api/v1/tenant/settings", { body }));

export const useUpdateSettings = (config: MutationConfig<typeof updateSettings> = {}) => useApiMutation(updateSettings, config);
