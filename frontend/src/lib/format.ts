// Formatting: money always from integer minor units, dates in the reader's locale.

export function formatMoney(minor: number, currency: string, locale?: string): string {
  const fmt = new Intl.NumberFormat(locale, { style: "currency", currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minor / 10 ** digits);
}

// One format for each kind of figure, from the reader's locale: every page uses these.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const NUMBER = new Intl.NumberFormat();
const PLURAL = new Intl.PluralRules("en"); // the app's words are English

export function formatDate(when: string | number | Date): string {
  return DATE_TIME.format(new Date(when));
}

export function formatDay(when: string | number | Date): string {
  return DAY.format(new Date(when));
}

export function formatNumber(n: number): string {
  return NUMBER.format(n);
}

/** "1 click", "2 clicks", "1,200 days": the count in the reader's format, the noun agreeing. */
export function count(n: number, one: string, other = `${one}s`): string {
  return `${formatNumber(n)} ${PLURAL.select(n) === "one" ? one : other}`;
}

/** 1250 basis points → "12.5" (for a percentage input's value). */
export function bpsToInput(bps: number): string {
  return String(bps / 100);
}

/** "12.5" (a percentage typed by a person) → 1250 basis points; -1 when it is no percentage
 * with at most two decimals (the server then names the field). */
export function percentToBps(text: string): number {
  const t = text.trim().replace(",", ".");
  return /^\d+(\.\d{1,2})?$/.test(t) ? Math.round(Number(t) * 100) : -1;
}

export function bpsToPercent(bps: number): string {
  return `${(bps / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "49.90" in `currency` → 4990 minor units; null when it is not an amount. */
export function toMinor(value: string, currency: string): number | null {
  const text = value.trim().replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  const digits = currencyDigits(currency);
  const [whole, frac = ""] = text.split(".");
  if (frac.length > digits) return null;
  return Number(whole) * 10 ** digits + Number(frac.padEnd(digits, "0") || "0");
}

/** 4990 minor units → "49.90" (for an input's value). */
export function fromMinor(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  return digits === 0 ? String(minor) : (minor / 10 ** digits).toFixed(digits);
}
