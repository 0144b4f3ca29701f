// Remove the organisation's logo.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { useSettingsSaved } from "./settings-saved";

export const removeLogo = async () => unwrap(await api.DELETE("/api/v1/tenant/logo"));

export function useRemoveLogo(config: MutationConfig<typeof removeLogo> = {}) {
  const saved = useSettingsSaved();
  return useApiMutation(removeLogo, { ...config, updates: saved });
}
