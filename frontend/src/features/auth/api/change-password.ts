// Change the signed-in user's password: every session ends; the answer is this one's successor.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const changePassword = async (body: Schemas["ChangePasswordRequest"]) =>
  unwrap(await api.POST("/api/v1/me/password", { body }));

export const useChangePassword = (config: MutationConfig<typeof changePassword> = {}) => useApiMutation(changePassword, config);
