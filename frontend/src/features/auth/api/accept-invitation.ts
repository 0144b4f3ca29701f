// Accept an invitation; the answer is the new user's session.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const acceptInvitation = async (token: string, body: Schemas["AcceptInvitationRequest"]) =>
  unwrap(await api.POST("/api/v1/public/invitations/{token}/accept", { params: { path: { token } }, body }));

type Form = (body: Schemas["AcceptInvitationRequest"]) => ReturnType<typeof acceptInvitation>;

export const useAcceptInvitation = (token: string, config: MutationConfig<Form> = {}) =>
  useApiMutation((body: Schemas["AcceptInvitationRequest"]) => acceptInvitation(token, body), config);
