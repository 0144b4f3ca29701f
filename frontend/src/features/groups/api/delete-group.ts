// Delete a group (the API refuses while it has members).
import { useApiMutation } from "../../../lib/api/mutation";
import { groupKeys } from "./keys";
import { call } from "./request";

export const deleteGroup = async (id: string) =>
  call<void>("DELETE", `/api/v1/groups/${id}`);

export const useDeleteGroup = () => useApiMutation(deleteGroup, { invalidates: [groupKeys.all] });
