// The organisation's signing keys, current and retired (tenant admins).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export const getSigningKeys = async () => unwrap(await api.GET("/api/v1/ledger/signing-keys"));

export const getSigningKeysQueryOptions = () =>
  queryOptions({ queryKey: ledgerKeys.signingKeys, queryFn: () => getSigningKeys() });

export const useSigningKeys = () => useQuery(getSigningKeysQueryOptions());
