// Make a payout batch of everyone the preview pays.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const createBatch = async () => unwrap(await api.POST("/api/v1/payout-batches", { body: {} }));

export const useCreateBatch = (config: MutationConfig<typeof createBatch> = {}) =>
  useApiMutation(createBatch, { invalidates: [payoutKeys.batches], ...config });
