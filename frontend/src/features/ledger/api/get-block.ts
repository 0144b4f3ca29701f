// One sealed block with its checkpoint and cosignatures.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export const getBlock = async (height: number) =>
  unwrap(await api.GET("/api/v1/ledger/blocks/{height}", { params: { path: { height } } }));

export const getBlockQueryOptions = (height: number) =>
  queryOptions({ queryKey: ledgerKeys.block(height), queryFn: () => getBlock(height) });

export const useBlock = (height: number) => useQuery({ ...getBlockQueryOptions(height), enabled: Number.isInteger(height) });
