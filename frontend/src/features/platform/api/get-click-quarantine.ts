// Clicks PostgreSQL refused, kept aside in the server's click spool for an operator to mend.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { platformKeys } from "./keys";

export const getClickQuarantine = async () => unwrap(await api.GET("/api/v1/ops/clicks-quarantine"));

export const getClickQuarantineQueryOptions = () =>
  queryOptions({ queryKey: platformKeys.clickQuarantine, queryFn: () => getClickQuarantine(), refetchInterval: 60_000 });

export const useClickQuarantine = () => useQuery(getClickQuarantineQueryOptions());
