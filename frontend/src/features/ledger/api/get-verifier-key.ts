// The key that verifies an organisation's ledger checkpoints (public).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export async function getVerifierKey(slug: string): Promise<string> {
  const r = await api.GET("/api/v1/public/tenants/{slug}/ledger/verifier-key", { params: { path: { slug } }, parseAs: "text" });
  return (unwrap(r) as unknown as string).trim();
}

export const getVerifierKeyQueryOptions = (slug: string) =>
  queryOptions({ queryKey: ledgerKeys.verifierKey(slug), queryFn: () => getVerifierKey(slug) });

export const useVerifierKey = (slug: string) => useQuery(getVerifierKeyQueryOptions(slug));
