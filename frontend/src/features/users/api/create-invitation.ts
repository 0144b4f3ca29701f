// Invite someone; the answer holds the link, shown once.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { userKeys } from "./keys";

export const createInvitation = async (body: Schemas["InvitationCreate"]) =>
  unwrap(await api.POST("/api/v1/invitations", { body }));

export const useCreateInvitation = (config: MutationConfig<typeof createInvitation> = {}) =>
  useApiMutation(createInvitation, { invalidates: [userKeys.invitations], ...config });
