// The ledger accounts the caller may read, with balances.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export const getLedgerAccounts = async () => unwrap(await api.GET("/api/v1/ledger/accounts"));

export const getLedgerAccountsQueryOptions = () =>
  queryOptions({ queryKey: ledgerKeys.accounts, queryFn: () => getLedgerAccounts() });

export const useLedgerAccounts = () => useQuery(getLedgerAccountsQueryOptions());
