// Assign a coupon code to an affiliate for a product.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const createCoupon = async (body: Schemas["CouponCreate"]) => unwrap(await api.POST("/api/v1/coupons", { body }));

export const useCreateCoupon = (config: MutationConfig<typeof createCoupon> = {}) =>
  useApiMutation(createCoupon, { invalidates: [commissionKeys.coupons], ...config });
