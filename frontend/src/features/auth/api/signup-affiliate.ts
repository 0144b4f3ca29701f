// Ask to join an organisation as an affiliate; the answer only says a mail is on its way.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const signupAffiliate = async (slug: string, body: Schemas["AffiliateSignupRequest"]) =>
  unwrap(await api.POST("/api/v1/public/tenants/{slug}/affiliates", { params: { path: { slug } }, body }));

type Form = (body: Schemas["AffiliateSignupRequest"]) => ReturnType<typeof signupAffiliate>;

export const useSignupAffiliate = (slug: string, config: MutationConfig<Form> = {}) =>
  useApiMutation((body: Schemas["AffiliateSignupRequest"]) => signupAffiliate(slug, body), config);
