// Apply to join an organisation; the answer only says a mail is on its way.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const applyToJoin = async (slug: string, body: Schemas["ApplicationCreate"]) =>
  unwrap(await api.POST("/api/v1/public/tenants/{slug}/applications", { params: { path: { slug } }, body }));

export const useApply = (slug: string) =>
  useApiMutation((body: Schemas["ApplicationCreate"]) => applyToJoin(slug, body));
