// A group's terms in words: its rule and its payout threshold, money in the organisation's currency.
import { bpsToPercent, formatMoney } from "../../../lib/format";
import type { Group } from "../types";

export function ruleText(group: Pick<Group, "commission_bps" | "commission_fixed_minor">, currency: string): string {
  if (group.commission_bps !== null) return bpsToPercent(group.commission_bps);
  if (group.commission_fixed_minor !== null) return `${formatMoney(group.commission_fixed_minor, currency)} per sale`;
  return "Programme's rule";
}

export function thresholdText(group: Pick<Group, "payout_threshold_minor">, currency: string): string {
  return group.payout_threshold_minor === null ? "Organisation's" : formatMoney(group.payout_threshold_minor, currency);
}
