// Create an API key: the answer holds its secret, shown once.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { apiKeyKeys } from "./keys";

export const createApiKey = async (body: Schemas["ApiKeyCreate"]) => unwrap(await api.POST("/api/v1/api-keys", { body }));

export const useCreateApiKey = (config: MutationConfig<typeof createApiKey> = {}) =>
  useApiMutation(createApiKey, { invalidates: [apiKeyKeys.all], ...config });
