// One ledger transaction with its postings and leaf.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export const getTransaction = async (id: string) =>
  unwrap(await api.GET("/api/v1/ledger/transactions/{transaction_id}", { params: { path: { transaction_id: id } } }));

export const getTransactionQueryOptions = (id: string) =>
  queryOptions({ queryKey: ledgerKeys.transaction(id), queryFn: () => getTransaction(id) });

export const useTransaction = (id: string) => useQuery(getTransactionQueryOptions(id));
