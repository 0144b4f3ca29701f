// Revoke a pending invitation.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { userKeys } from "./keys";

export const revokeInvitation = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/invitations/{invitation_id}", { params: { path: { invitation_id: id } } }));

export const useRevokeInvitation = (config: MutationConfig<typeof revokeInvitation> = {}) =>
  useApiMutation(revokeInvitation, { invalidates: [userKeys.invitations], ...config });
