// One payout batch with its payouts.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const getBatch = async (id: string) =>
  unwrap(await api.GET("/api/v1/payout-batches/{batch_id}", { params: { path: { batch_id: id } } }));

export const getBatchQueryOptions = (id: string) => queryOptions({ queryKey: payoutKeys.batch(id), queryFn: () => getBatch(id) });

export const useBatch = (id: string) => useQuery(getBatchQueryOptions(id));
