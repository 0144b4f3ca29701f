// Rotate an endpoint's signing secret: the new one is shown once; the old one signs too for the overlap.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const rotateSecret = async ({ id, overlapHours }: { id: string; overlapHours: number }) =>
  unwrap(await api.POST("/api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret", {
    params: { path: { endpoint_id: id } },
    body: { overlap_hours: overlapHours },
  }));

export const useRotateSecret = (config: MutationConfig<typeof rotateSecret> = {}) =>
  useApiMutation(rotateSecret, { invalidates: [webhookKeys.endpoints], ...config });
