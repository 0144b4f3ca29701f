// The keys of the witnesses that cosign an organisation's checkpoints (public), and the ones
// this browser pinned: pinned keys win, so a server that swaps its published keys is not
// believed.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { ledgerKeys } from "./keys";

export async function getWitnessKeys(slug: string): Promise<string[]> {
  const r = await api.GET("/api/v1/public/tenants/{slug}/ledger/witness-keys", { params: { path: { slug } }, parseAs: "text" });
  // no witness configured: an empty body, which the client hands over as no data
  return keyLines((unwrap(r) as unknown as string | undefined) ?? "");
}

export const getWitnessKeysQueryOptions = (slug: string) =>
  queryOptions({ queryKey: ledgerKeys.witnessKeys(slug), queryFn: () => getWitnessKeys(slug) });

export function keyLines(text: string): string[] {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

const pinKey = (slug: string) => `bitnexus.witness-keys.${slug}`;

export function pinnedWitnessKeys(slug: string): string[] | null {
  const saved = localStorage.getItem(pinKey(slug));
  return saved === null ? null : keyLines(saved);
}

/** The witness keys receipts are checked with: those pinned in this browser, else the
 * published ones; `pin(keys)` keeps keys here (an empty list too), `unpin()` forgets them. */
export function useWitnessKeys(slug: string) {
  const published = useQuery(getWitnessKeysQueryOptions(slug));
  const [pinned, setPinned] = useState(() => pinnedWitnessKeys(slug));
  return {
    keys: pinned ?? published.data ?? [],
    pinned: pinned !== null,
    pin: (keys: string[]) => {
      localStorage.setItem(pinKey(slug), keys.join("\n"));
      setPinned(keys);
    },
    unpin: () => {
      localStorage.removeItem(pinKey(slug));
      setPinned(null);
    },
  };
}

/** The keys a one-off check uses: pinned here, else the published ones. */
export async function witnessKeysFor(slug: string): Promise<string[]> {
  return pinnedWitnessKeys(slug) ?? getWitnessKeys(slug);
}
