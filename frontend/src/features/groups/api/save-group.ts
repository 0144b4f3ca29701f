// Create a group, or replace one's terms (they apply to new sales only).
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import type { Group, GroupFields } from "../types";
import { groupKeys } from "./keys";
import { call } from "./request";

export const saveGroup = async ({ id, body }: { id?: string; body: GroupFields }) =>
  id ? call<Group>("PUT", `/api/v1/groups/${id}`, body) : call<Group>("POST", "/api/v1/groups", body);

export const useSaveGroup = (config: MutationConfig<typeof saveGroup> = {}) =>
  useApiMutation(saveGroup, { invalidates: [groupKeys.all], ...config });
