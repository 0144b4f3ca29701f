// Make a tracked link to a product.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { linkKeys } from "./keys";

export const createLink = async (body: Schemas["LinkCreate"]) => unwrap(await api.POST("/api/v1/links", { body }));

export const useCreateLink = (config: MutationConfig<typeof createLink> = {}) =>
  useApiMutation(createLink, { invalidates: [linkKeys.all], ...config });
