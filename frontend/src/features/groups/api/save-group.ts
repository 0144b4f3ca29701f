// Create a group, or replace one's terms (they apply to new sales only).
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import type { GroupFields } from "../types";
import { groupKeys } from "./keys";

export const saveGroup = async ({ id, body }: { id?: string; body: GroupFields }) =>
  unwrap(
    id
      ? await api.PUT("/api/v1/groups/{group_id}", { params: { path: { group_id: id } }, body })
      : await api.POST("/api/v1/groups", { body }),
  );

export const useSaveGroup = (config: MutationConfig<typeof saveGroup> = {}) =>
  useApiMutation(saveGroup, { invalidates: [groupKeys.all], ...config });
