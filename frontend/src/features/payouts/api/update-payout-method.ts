// Set where an affiliate's payouts go.
import { useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const updatePayoutMethod = async (body: Schemas["PayoutMethodUpdate"]) =>
  unwrap(await api.PUT("/api/v1/payouts/method", { body }));

export function useUpdatePayoutMethod(config: MutationConfig<typeof updatePayoutMethod> = {}) {
  const queryClient = useQueryClient();
  return useApiMutation(updatePayoutMethod, { ...config, updates: (method) => queryClient.setQueryData(payoutKeys.method, method) });
}
