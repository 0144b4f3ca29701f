// An affiliate's balances by state, per currency (from the ledger).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const getBalances = async () => unwrap(await api.GET("/api/v1/commissions/balances"));

export const getBalancesQueryOptions = () => queryOptions({ queryKey: commissionKeys.balances, queryFn: () => getBalances() });

export const useBalances = () => useQuery(getBalancesQueryOptions());
