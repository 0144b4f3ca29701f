// Finish an affiliate sign-up from its mailed link; the answer is the new user's session.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const confirmSignup = async (body: Schemas["SignupConfirm"]) =>
  unwrap(await api.POST("/api/v1/public/signups/confirm", { body }));

export const useConfirmSignup = (config: MutationConfig<typeof confirmSignup> = {}) =>
  useApiMutation(confirmSignup, config);
