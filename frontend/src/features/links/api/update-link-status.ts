// Pause or resume a link.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { linkKeys } from "./keys";

export const updateLinkStatus = async ({ id, status }: { id: string; status: Schemas["LinkUpdate"]["status"] }) =>
  unwrap(await api.PATCH("/api/v1/links/{link_id}", { params: { path: { link_id: id } }, body: { status } }));

export const useUpdateLinkStatus = (config: MutationConfig<typeof updateLinkStatus> = {}) =>
  useApiMutation(updateLinkStatus, { invalidates: [linkKeys.all], ...config });
