// Change the signed-in user's profile.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const updateProfile = async (body: Schemas["ProfileUpdate"]) => unwrap(await api.PATCH("/api/v1/me", { body }));

export const useUpdateProfile = (config: MutationConfig<typeof updateProfile> = {}) => useApiMutation(updateProfile, config);
