// The event types the caller may subscribe to.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const getEventTypes = async () => unwrap(await api.GET("/api/v1/webhooks/event-types"));

export const getEventTypesQueryOptions = () =>
  queryOptions({ queryKey: webhookKeys.eventTypes, queryFn: getEventTypes, staleTime: Infinity });

export const useEventTypes = () => useQuery(getEventTypesQueryOptions());
