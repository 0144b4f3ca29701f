import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export const tenantKeys = { settings: ["tenant", "settings"] as const };

export const settingsQuery = () => ({
  queryKey: tenantKeys.settings,
  queryFn: async () => unwrap(await api.GET("/api/v1/tenant/settings")),
});

export const updateSettings = async (body: Schemas["TenantSettingsUpdate"]) =>
  unwrap(await api.PATCH("/api/v1/tenant/settings", { body }));

export const uploadLogo = async (file: File) => {
  const form = new FormData();
  form.append("file", file);
  return unwrap(
    await api.PUT("/api/v1/tenant/logo", {
      // multipart: openapi-fetch passes FormData through untouched
      body: form as unknown as Schemas["Body_upload_logo_api_v1_tenant_logo_put"],
      bodySerializer: (b) => b as unknown as FormData,
    }),
  );
};

export const removeLogo = async () => unwrap(await api.DELETE("/api/v1/tenant/logo"));
