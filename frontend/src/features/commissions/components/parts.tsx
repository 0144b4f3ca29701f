// Shared bits of the sales and commissions pages: state badges and share labels.
import { Badge } from "../../../components/ui";
import type { Commission, Conversion } from "../api";

const CONVERSION_TONES = { pending: "amber", matured: "green", refunded: "red", unattributed: "slate" } as const;
const COMMISSION_TONES = { pending: "amber", available: "green", reversed: "red" } as const;

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
};
