// Query keys of payouts and payout batches.
export const payoutKeys = {
  method: ["payouts", "method"] as const,
  settings: ["payouts", "settings"] as const,
  mine: ["payouts", "mine"] as const,
  preview: ["payout-batches", "preview"] as const,
  batches: ["payout-batches"] as const,
  batch: (id: string) => ["payout-batches", id] as const,
};
