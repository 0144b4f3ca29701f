// An admin's decision on a product waiting for review.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { useProductSaved } from "./product-saved";

export const reviewProduct = async ({ id, body }: { id: string; body: Schemas["Review"] }) =>
  unwrap(await api.POST("/api/v1/products/{product_id}/review", { params: { path: { product_id: id } }, body }));

export function useReviewProduct(config: MutationConfig<typeof reviewProduct> = {}) {
  const saved = useProductSaved();
  return useApiMutation(reviewProduct, { ...config, updates: saved });
}
