// The payout batches, newest first.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const getBatches = async () => unwrap(await api.GET("/api/v1/payout-batches"));

export const getBatchesQueryOptions = () => queryOptions({ queryKey: payoutKeys.batches, queryFn: () => getBatches() });

export const useBatches = () => useQuery(getBatchesQueryOptions());
