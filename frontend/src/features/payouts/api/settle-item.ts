// Mark one payout of a batch paid or failed.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const settleItem = async ({ id, body }: { id: string; body: Schemas["ItemSettle"] }) =>
  unwrap(await api.POST("/api/v1/payout-batches/items/{item_id}/settle", { params: { path: { item_id: id } }, body }));

export const useSettleItem = (config: MutationConfig<typeof settleItem> = {}) =>
  useApiMutation(settleItem, { invalidates: [payoutKeys.batches, payoutKeys.preview], ...config });
