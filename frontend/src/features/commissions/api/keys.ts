// Query keys of sales, commissions, coupons and fraud holds.
import type { CommissionState, HoldStatus } from "../types";

export const commissionKeys = {
  conversions: ["conversions"] as const,
  subscription: (id: string) => ["conversions", "subscriptions", id] as const,
  commissions: (state: CommissionState | null) => ["commissions", state] as const,
  balances: ["commissions", "balances"] as const,
  tier: ["commissions", "tier"] as const,
  coupons: ["coupons"] as const,
  couponProducts: ["coupon-products"] as const,
  holds: (status: HoldStatus | null) => ["fraud-holds", status] as const,
  allHolds: ["fraud-holds"] as const,
};
