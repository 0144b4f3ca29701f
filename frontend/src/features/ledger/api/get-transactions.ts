// The transactions with sequence numbers in [fromSeq, toSeq).
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export const getTransactions = async (fromSeq: number, toSeq: number, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/ledger/transactions", { params: { query: { from_seq: fromSeq, to_seq: toSeq, cursor: cursor ?? undefined, limit: 50 } } }));

export const getTransactionsQueryOptions = (fromSeq: number, toSeq: number) =>
  cursorListOptions(ledgerKeys.transactions(fromSeq, toSeq), (cursor) => getTransactions(fromSeq, toSeq, cursor));

export const useTransactions = (fromSeq: number, toSeq: number) => useInfiniteQuery(getTransactionsQueryOptions(fromSeq, toSeq));
