// How the directory names tiers and hold outcomes (in words, never by colour alone).
import type { AffiliateSummary } from "../types";

export const TIER_NAMES: Record<AffiliateSummary["tier"], string> = {
  bronze: "Bronze",
  silver: "Silver",
  gold: "Gold",
  platinum: "Platinum",
};

export const HOLD_WORDS = { open: "under review", approved: "approved", rejected: "rejected" } as const;
