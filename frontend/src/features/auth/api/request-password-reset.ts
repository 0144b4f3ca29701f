// Ask for a password-reset link by mail.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const requestPasswordReset = async (body: Schemas["PasswordResetRequest"]) =>
  unwrap(await api.POST("/api/v1/auth/password-reset/request", { body }));

export const useRequestPasswordReset = (config: MutationConfig<typeof requestPasswordReset> = {}) =>
  useApiMutation(requestPasswordReset, config);
