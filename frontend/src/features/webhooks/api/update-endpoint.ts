// Change an endpoint: its event types, URL, description, or enable/disable it.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const updateEndpoint = async ({ id, body }: { id: string; body: Schemas["EndpointUpdate"] }) =>
  unwrap(await api.PATCH("/api/v1/webhooks/endpoints/{endpoint_id}", { params: { path: { endpoint_id: id } }, body }));

export const useUpdateEndpoint = (config: MutationConfig<typeof updateEndpoint> = {}) =>
  useApiMutation(updateEndpoint, { invalidates: [webhookKeys.endpoints], ...config });
