// Revoke a coupon code.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const revokeCoupon = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/coupons/{coupon_id}", { params: { path: { coupon_id: id } } }));

export const useRevokeCoupon = (config: MutationConfig<typeof revokeCoupon> = {}) =>
  useApiMutation(revokeCoupon, { invalidates: [commissionKeys.coupons], ...config });
