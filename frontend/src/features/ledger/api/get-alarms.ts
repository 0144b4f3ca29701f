// Alarms raised about the ledger by its mirrors, witnesses (with their evidence) and sealer.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export const getAlarms = async () => unwrap(await api.GET("/api/v1/ledger/alarms"));

export const getAlarmsQueryOptions = () =>
  queryOptions({ queryKey: ledgerKeys.alarms, queryFn: () => getAlarms(), refetchInterval: 30_000 });

export const useAlarms = () => useQuery(getAlarmsQueryOptions());
