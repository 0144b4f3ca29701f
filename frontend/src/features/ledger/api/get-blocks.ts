// The ledger's signed blocks, newest first.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export const getBlocks = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/ledger/blocks", { params: { query: { cursor: cursor ?? undefined, limit: 20 } } }));

export const getBlocksQueryOptions = () => cursorListOptions(ledgerKeys.blocks, (cursor) => getBlocks(cursor));

export const useBlocks = () => useInfiniteQuery(getBlocksQueryOptions());
