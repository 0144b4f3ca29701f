// Delete an endpoint and its delivery log.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const deleteEndpoint = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/webhooks/endpoints/{endpoint_id}", { params: { path: { endpoint_id: id } } }));

export const useDeleteEndpoint = (config: MutationConfig<typeof deleteEndpoint> = {}) =>
  useApiMutation(deleteEndpoint, { invalidates: [webhookKeys.endpoints], ...config });
