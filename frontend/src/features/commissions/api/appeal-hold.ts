// An affiliate's appeal against a hold.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const appealHold = async ({ id, message }: { id: string; message: string }) =>
  unwrap(await api.POST("/api/v1/fraud-holds/{hold_id}/appeal", { params: { path: { hold_id: id } }, body: { message } }));

export const useAppealHold = (config: MutationConfig<typeof appealHold> = {}) =>
  useApiMutation(appealHold, { invalidates: [commissionKeys.allHolds], ...config });
