// Change a user's role or status.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { userKeys } from "./keys";

export const updateUser = async ({ id, ...body }: { id: string } & Schemas["UserUpdate"]) =>
  unwrap(await api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body }));

export const useUpdateUser = (config: MutationConfig<typeof updateUser> = {}) =>
  useApiMutation(updateUser, { invalidates: [userKeys.all], ...config });
