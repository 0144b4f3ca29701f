// Shared bits of the sales and commissions pages: state badges and share labels.
import { Badge } from "../../../components/ui";
import { formatDate } from "../../../lib/format";
import type { Commission, Conversion, Hold } from "../types";

const CONVERSION_TONES = { pending: "amber", held: "red", matured: "green", refunded: "red", rejected: "red", unattributed: "slate" } as const;
const COMMISSION_TONES = { pending: "amber", held: "red", available: "green", reversed: "red", rejected: "red" } as const;
const HOLD_TONES = { open: "amber", approved: "green", rejected: "red" } as const;

export function ConversionStateBadge({ state }: { state: Conversion["state"] }) {
  return <Badge tone={CONVERSION_TONES[state]}>{state}</Badge>;
}

export function CommissionStateBadge({ state }: { state: Commission["state"] }) {
  return <Badge tone={COMMISSION_TONES[state]}>{state}</Badge>;
}

export function shareLabel(kind: Commission["kind"], level: number): string {
  if (kind === "affiliate") return "Commission";
  if (kind === "override") return `Referral override, level ${level}`;
  return "Platform fee";
}

export const UNATTRIBUTED: Record<NonNullable<Conversion["unattributed_reason"]>, string> = {
  no_click: "no click or coupon given",
  unknown_click: "unknown click id",
  expired_click: "click older than the cookie window",
  other_vendor: "click or coupon for another vendor's product",
  unknown_coupon: "unknown or revoked coupon",
  recurring_off: "a renewal, and the commission policy pays no renewals",
  recurring_ended: "a renewal past the commission policy's recurring window",
  no_lead_reward: "a lead, and the commission policy pays no lead reward",
};

type Labelled = { kind: Conversion["kind"]; renewal?: number | null; renewal_limit?: number | null };

/** "Lead", "Renewal 3 of 12" (or "Renewal 3" when the policy counts months), "First payment". */
export function saleLabel({ kind, renewal, renewal_limit }: Labelled): string | null {
  if (kind === "lead") return "Lead";
  if (renewal === undefined || renewal === null) return null;
  if (renewal === 0) return "First payment";
  return `Renewal ${renewal}${renewal_limit ? ` of ${renewal_limit}` : ""}`;
}

export function SaleLabel({ sale }: { sale: Labelled }) {
  const label = saleLabel(sale);
  return label ? <Badge tone="slate">{label}</Badge> : null;
}

export function HoldStatusBadge({ status }: { status: Hold["status"] }) {
  return <Badge tone={HOLD_TONES[status]}>{status === "open" ? "under review" : status}</Badge>;
}

const EVENT_WORDS = { held: "Held by the rules", appealed: "Appealed", approved: "Approved", rejected: "Rejected" } as const;

export function HoldHistory({ hold }: { hold: Hold }) {
  return (
    <ol className="flex flex-col gap-1 text-xs text-slate-600" data-testid="hold-history">
      {hold.events.map((e, i) => (
        <li key={i}><strong>{EVENT_WORDS[e.kind]}</strong> {formatDate(e.created_at)}{e.message && <>: “{e.message}”</>}</li>
      ))}
    </ol>
  );
}
