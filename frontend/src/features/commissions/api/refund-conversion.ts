// Refund a sale, fully or in part.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const refundConversion = async ({ id, body }: { id: string; body: Schemas["RefundCreate"] }) =>
  unwrap(await api.POST("/api/v1/conversions/{conversion_id}/refunds", { params: { path: { conversion_id: id } }, body }));

export const useRefundConversion = (config: MutationConfig<typeof refundConversion> = {}) =>
  useApiMutation(refundConversion, { invalidates: [commissionKeys.conversions], ...config });
