// Send a test message to an endpoint (it appears in the delivery log).
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const sendTest = async (id: string) =>
  unwrap(await api.POST("/api/v1/webhooks/endpoints/{endpoint_id}/test", { params: { path: { endpoint_id: id } } }));

export const useSendTest = (config: MutationConfig<typeof sendTest> = {}) =>
  useApiMutation(sendTest, { invalidates: [webhookKeys.all], ...config });
