// Revoke an API key.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { apiKeyKeys } from "./keys";

export const revokeApiKey = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/api-keys/{key_id}", { params: { path: { key_id: id } } }));

export const useRevokeApiKey = (config: MutationConfig<typeof revokeApiKey> = {}) =>
  useApiMutation(revokeApiKey, { invalidates: [apiKeyKeys.all], ...config });
