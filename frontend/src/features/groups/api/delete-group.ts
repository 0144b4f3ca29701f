// Delete a group (the API refuses while it has members).
import { api } from "../../../lib/api/client";
import { useApiMutation } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { groupKeys } from "./keys";

export const deleteGroup = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/groups/{group_id}", { params: { path: { group_id: id } } }));

export const useDeleteGroup = () => useApiMutation(deleteGroup, { invalidates: [groupKeys.all] });
