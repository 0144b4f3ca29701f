// Delete a link for good.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { linkKeys } from "./keys";

export const deleteLink = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/links/{link_id}", { params: { path: { link_id: id } } }));

export const useDeleteLink = (config: MutationConfig<typeof deleteLink> = {}) =>
  useApiMutation(deleteLink, { invalidates: [linkKeys.all], ...config });
