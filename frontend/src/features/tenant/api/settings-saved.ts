// After the settings change: the cached settings, and the session's `me` (its branding) re-read.
import { useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../../lib/api/client";
import { sessionKeys } from "../../../lib/auth/get-me";
import { tenantKeys } from "./keys";

export function useSettingsSaved() {
  const queryClient = useQueryClient();
  return (settings: Schemas["TenantSettings"]) => {
    queryClient.setQueryData(tenantKeys.settings, settings);
    void queryClient.invalidateQueries({ queryKey: sessionKeys.me });
  };
}
