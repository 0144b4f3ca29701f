// The receipts this browser verified or downloaded, kept per organisation (like pinned witness
// keys): each can be checked again later against the organisation's log of that day.
import { useCallback, useMemo, useSyncExternalStore } from "react";

export interface SavedReceipt {
  receipt: string;
  savedAt: string;
}

const MAX_SAVED = 100;
const storageKey = (slug: string) => `bitnexus.saved-receipts.${slug}`;

function parse(text: string | null): SavedReceipt[] {
  try {
    const parsed: unknown = JSON.parse(text ?? "[]");
    return Array.isArray(parsed) ? (parsed as SavedReceipt[]).filter((r) => typeof r?.receipt === "string") : [];
  } catch {
    return [];
  }
}

export const savedReceipts = (slug: string) => parse(localStorage.getItem(storageKey(slug)));

/** Keep `receipt` (once: the same text again is not a new one); newest first. */
export function saveReceipt(slug: string, receipt: string): void {
  const kept = savedReceipts(slug).filter((r) => r.receipt !== receipt);
  const all = [{ receipt, savedAt: new Date().toISOString() }, ...kept].slice(0, MAX_SAVED);
  localStorage.setItem(storageKey(slug), JSON.stringify(all));
  window.dispatchEvent(new Event(storageKey(slug)));
}

export function forgetReceipt(slug: string, receipt: string): void {
  localStorage.setItem(storageKey(slug), JSON.stringify(savedReceipts(slug).filter((r) => r.receipt !== receipt)));
  window.dispatchEvent(new Event(storageKey(slug)));
}

/** The saved receipts, kept current as receipts are saved or forgotten on this page. */
export function useSavedReceipts(slug: string): SavedReceipt[] {
  const subscribe = useCallback(
    (notify: () => void) => {
      window.addEventListener(storageKey(slug), notify);
      return () => window.removeEventListener(storageKey(slug), notify);
    },
    [slug],
  );
  const text = useSyncExternalStore(subscribe, () => localStorage.getItem(storageKey(slug)));
  return useMemo(() => parse(text), [text]);
}
