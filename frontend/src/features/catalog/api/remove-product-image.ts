// Remove one of a product's images.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { useProductSaved } from "./product-saved";

export const removeProductImage = async ({ id, imageId }: { id: string; imageId: string }) =>
  unwrap(await api.DELETE("/api/v1/products/{product_id}/images/{image_id}", { params: { path: { product_id: id, image_id: imageId } } }));

export function useRemoveProductImage(config: MutationConfig<typeof removeProductImage> = {}) {
  const saved = useProductSaved();
  return useApiMutation(removeProductImage, { ...config, updates: saved });
}
