// The keys that verify an organisation's ledger checkpoints (public): the current key first,
// then the retired keys that signed older checkpoints, one per line.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { keyLines } from "./get-witness-keys";
import { ledgerKeys } from "./keys";

export async function getVerifierKeys(slug: string): Promise<string[]> {
  const r = await api.GET("/api/v1/public/tenants/{slug}/ledger/verifier-key", { params: { path: { slug } }, parseAs: "text" });
  return keyLines(unwrap(r) as unknown as string);
}

export const getVerifierKeysQueryOptions = (slug: string) =>
  queryOptions({ queryKey: ledgerKeys.verifierKey(slug), queryFn: () => getVerifierKeys(slug) });

export const useVerifierKeys = (slug: string) => useQuery(getVerifierKeysQueryOptions(slug));
