// One delivery: its body and every attempt's request and response.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const getDelivery = async (endpointId: string, deliveryId: string) =>
  unwrap(await api.GET("/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}", {
    params: { path: { endpoint_id: endpointId, delivery_id: deliveryId } },
  }));

export const getDeliveryQueryOptions = (endpointId: string, deliveryId: string) =>
  queryOptions({ queryKey: webhookKeys.delivery(endpointId, deliveryId), queryFn: () => getDelivery(endpointId, deliveryId) });

export const useDelivery = (endpointId: string, deliveryId: string) => useQuery(getDeliveryQueryOptions(endpointId, deliveryId));
