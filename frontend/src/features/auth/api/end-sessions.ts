// Log out everywhere: every session of the signed-in user ends, this one too.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const endSessions = async () => unwrap(await api.DELETE("/api/v1/me/sessions"));

export const useEndSessions = (config: MutationConfig<typeof endSessions> = {}) => useApiMutation(endSessions, config);
