// An account's postings with running balances.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export const getStatement = async (code: string, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/ledger/accounts/{code}/statement", { params: { path: { code }, query: { cursor: cursor ?? undefined } } }));

export const getStatementQueryOptions = (code: string) =>
  cursorListOptions(ledgerKeys.statement(code), (cursor) => getStatement(code, cursor));

export const useStatement = (code: string) => useInfiniteQuery(getStatementQueryOptions(code));
