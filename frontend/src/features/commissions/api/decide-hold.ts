// An admin's decision on a hold.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const decideHold = async ({ id, body }: { id: string; body: Schemas["HoldDecision"] }) =>
  unwrap(await api.POST("/api/v1/fraud-holds/{hold_id}/decision", { params: { path: { hold_id: id } }, body }));

export const useDecideHold = (config: MutationConfig<typeof decideHold> = {}) =>
  useApiMutation(decideHold, { invalidates: [commissionKeys.allHolds], ...config });
