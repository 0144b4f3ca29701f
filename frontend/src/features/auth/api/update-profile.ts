// Change the signed-in user's profile; the session's `me` follows.
import { useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { sessionKeys } from "../../../lib/auth/get-me";

export const updateProfile = async (body: Schemas["ProfileUpdate"]) => unwrap(await api.PATCH("/api/v1/me", { body }));

export function useUpdateProfile(config: MutationConfig<typeof updateProfile> = {}) {
  const queryClient = useQueryClient();
  return useApiMutation(updateProfile, { ...config, updates: (me) => queryClient.setQueryData(sessionKeys.me, me) });
}
