// Register an endpoint: the answer holds its signing secret, shown once.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const createEndpoint = async (body: Schemas["EndpointCreate"]) =>
  unwrap(await api.POST("/api/v1/webhooks/endpoints", { body }));

export const useCreateEndpoint = (config: MutationConfig<typeof createEndpoint> = {}) =>
  useApiMutation(createEndpoint, { invalidates: [webhookKeys.endpoints], ...config });
