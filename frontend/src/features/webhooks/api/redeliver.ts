// Send a delivery again now, with a fresh retry schedule.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const redeliver = async ({ endpointId, deliveryId }: { endpointId: string; deliveryId: string }) =>
  unwrap(await api.POST("/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver", {
    params: { path: { endpoint_id: endpointId, delivery_id: deliveryId } },
  }));

export const useRedeliver = (config: MutationConfig<typeof redeliver> = {}) =>
  useApiMutation(redeliver, { invalidates: [webhookKeys.all], ...config });
