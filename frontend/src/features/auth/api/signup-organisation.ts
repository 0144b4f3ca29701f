// Create an organisation and its first admin; the answer is their session.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const signupOrganisation = async (body: Schemas["SignupRequest"]) =>
  unwrap(await api.POST("/api/v1/auth/signup", { body }));

export const useSignupOrganisation = (config: MutationConfig<typeof signupOrganisation> = {}) =>
  useApiMutation(signupOrganisation, config);
