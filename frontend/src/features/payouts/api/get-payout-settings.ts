// The program's payout threshold and schedule.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const getPayoutSettings = async () => unwrap(await api.GET("/api/v1/payouts/settings"));

export const getPayoutSettingsQueryOptions = () =>
  queryOptions({ queryKey: payoutKeys.settings, queryFn: () => getPayoutSettings() });

export const usePayoutSettings = () => useQuery(getPayoutSettingsQueryOptions());
