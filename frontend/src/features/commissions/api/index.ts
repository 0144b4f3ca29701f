import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export type Conversion = Schemas["ConversionRead"];
export type Commission = Schemas["CommissionShare"];
export type CommissionState = Schemas["CommissionShare"]["state"];
export type Hold = Schemas["HoldRead"];
export type HoldStatus = Schemas["HoldRead"]["status"];

export const commissionKeys = {
  conversions: ["conversions"] as const,
  commissions: (state: CommissionState | null) => ["commissions", state] as const,
  balances: ["commissions", "balances"] as const,
  tier: ["commissions", "tier"] as const,
  coupons: ["coupons"] as const,
  holds: (status: HoldStatus | null) => ["fraud-holds", status] as const,
  allHolds: ["fraud-holds"] as const,
};

export const fetchConversions = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/conversions", { params: { query: { cursor: cursor ?? undefined, limit: 50 } } }));

export const refundConversion = async ({ id, body }: { id: string; body: Schemas["RefundCreate"] }) =>
  unwrap(await api.POST("/api/v1/conversions/{conversion_id}/refunds", { params: { path: { conversion_id: id } }, body }));

export const fetchCommissions = async (state: CommissionState | null, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/commissions", { params: { query: { state: state ?? undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const fetchBalances = async () => unwrap(await api.GET("/api/v1/commissions/balances"));

export const fetchTier = async () => unwrap(await api.GET("/api/v1/commissions/tier"));

export const fetchCoupons = async () => unwrap(await api.GET("/api/v1/coupons"));

export const createCoupon = async (body: Schemas["CouponCreate"]) => unwrap(await api.POST("/api/v1/coupons", { body }));

export const revokeCoupon = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/coupons/{coupon_id}", { params: { path: { coupon_id: id } } }));

export const fetchHolds = async (status: HoldStatus | null, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/fraud-holds", { params: { query: { status: status ?? undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const appealHold = async ({ id, message }: { id: string; message: string }) =>
  unwrap(await api.POST("/api/v1/fraud-holds/{hold_id}/appeal", { params: { path: { hold_id: id } }, body: { message } }));

export const decideHold = async ({ id, body }: { id: string; body: Schemas["HoldDecision"] }) =>
  unwrap(await api.POST("/api/v1/fraud-holds/{hold_id}/decision", { params: { path: { hold_id: id } }, body }));
