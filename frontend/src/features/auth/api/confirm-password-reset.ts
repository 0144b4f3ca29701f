// Set a new password with a reset link's token.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const confirmPasswordReset = async (body: Schemas["PasswordResetConfirm"]) =>
  unwrap(await api.POST("/api/v1/auth/password-reset/confirm", { body }));

export const useConfirmPasswordReset = (config: MutationConfig<typeof confirmPasswordReset> = {}) =>
  useApiMutation(confirmPasswordReset, config);
