// The caller's webhook endpoints (an admin's: the organisation's).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { webhookKeys } from "./keys";

export const getEndpoints = async () => unwrap(await api.GET("/api/v1/webhooks/endpoints"));

export const getEndpointsQueryOptions = () => queryOptions({ queryKey: webhookKeys.endpoints, queryFn: getEndpoints });

export const useEndpoints = () => useQuery(getEndpointsQueryOptions());
