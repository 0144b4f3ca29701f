// An endpoint's newest deliveries, refreshed while any is still pending.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const getDeliveries = async (endpointId: string) =>
  unwrap(await api.GET("/api/v1/webhooks/endpoints/{endpoint_id}/deliveries", { params: { path: { endpoint_id: endpointId } } }));

export const getDeliveriesQueryOptions = (endpointId: string) =>
  queryOptions({
    queryKey: webhookKeys.deliveries(endpointId),
    queryFn: () => getDeliveries(endpointId),
    refetchInterval: (query) => (query.state.data?.some((d) => d.status === "pending") ? 2000 : false),
  });

export const useDeliveries = (endpointId: string) => useQuery(getDeliveriesQueryOptions(endpointId));
