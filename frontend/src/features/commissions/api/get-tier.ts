// An affiliate's tier, its ladder and history.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const getTier = async () => unwrap(await api.GET("/api/v1/commissions/tier"));

export const getTierQueryOptions = () => queryOptions({ queryKey: commissionKeys.tier, queryFn: () => getTier() });

export const useTier = () => useQuery(getTierQueryOptions());
