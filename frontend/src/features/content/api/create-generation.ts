// Write a post for a product on a platform (one credit); refreshes the history and the credits.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { contentKeys } from "./keys";

export const createGeneration = async (body: Schemas["GenerationCreate"]) =>
  unwrap(await api.POST("/api/v1/content/generations", { body }));

export const useCreateGeneration = (config: MutationConfig<typeof createGeneration> = {}) =>
  useApiMutation(createGeneration, { invalidates: [contentKeys.all], ...config });
