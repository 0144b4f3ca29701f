// An affiliate's payouts.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const getPayouts = async () => unwrap(await api.GET("/api/v1/payouts"));

export const getPayoutsQueryOptions = () => queryOptions({ queryKey: payoutKeys.mine, queryFn: () => getPayouts() });

export const usePayouts = () => useQuery(getPayoutsQueryOptions());
