// Change the organisation's settings.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { useSettingsSaved } from "./settings-saved";

export const updateSettings = async (body: Schemas["TenantSettingsUpdate"]) =>
  unwrap(await api.PATCH("/api/v1/tenant/settings", { body }));

export function useUpdateSettings(config: MutationConfig<typeof updateSettings> = {}) {
  const saved = useSettingsSaved();
  return useApiMutation(updateSettings, { ...config, updates: saved });
}
