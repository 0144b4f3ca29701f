// Upload the organisation's logo (multipart).
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { useSettingsSaved } from "./settings-saved";

export async function uploadLogo(file: File) {
  const form = new FormData();
  form.append("file", file);
  return unwrap(
    await api.PUT("/api/v1/tenant/logo", {
      // multipart: openapi-fetch passes FormData through untouched
      body: form as unknown as Schemas["Body_upload_logo_api_v1_tenant_logo_put"],
      bodySerializer: (b) => b as unknown as FormData,
    }),
  );
}

export function useUploadLogo(config: MutationConfig<typeof uploadLogo> = {}) {
  const saved = useSettingsSaved();
  return useApiMutation(uploadLogo, { ...config, updates: saved });
}
