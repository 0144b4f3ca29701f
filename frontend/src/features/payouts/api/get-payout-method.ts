// Where an affiliate's payouts go (null: nowhere yet).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const getPayoutMethod = async () => unwrap(await api.GET("/api/v1/payouts/method"));

export const getPayoutMethodQueryOptions = () => queryOptions({ queryKey: payoutKeys.method, queryFn: () => getPayoutMethod() });

export const usePayoutMethod = () => useQuery(getPayoutMethodQueryOptions());
