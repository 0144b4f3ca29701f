// Formatting: money always from integer minor units, dates in the reader's locale.

/** Format an amount held in minor units (cents, öre, yen…) of `currency`. */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  const fmt = new Intl.NumberFormat(locale, { style: "currency", currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minor / 10 ** digits);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Basis points as a percentage: 1250 → "12.5%". */
export function bpsToPercent(bps: number): string {
  if (!Number.isFinite(bps)) return "—";
  return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(bps / 100)}%`;
}

/** "tenant_admin" → "Tenant admin". */
export function humanize(value: string): string {
  const text = value.replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
