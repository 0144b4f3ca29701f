// Change a product (it goes back to review).
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import type { ProductFields } from "../types";
import { useProductSaved } from "./product-saved";

export const updateProduct = async ({ id, body }: { id: string; body: ProductFields }) =>
  unwrap(await api.PUT("/api/v1/products/{product_id}", { params: { path: { product_id: id } }, body }));

export function useUpdateProduct(config: MutationConfig<typeof updateProduct> = {}) {
  const saved = useProductSaved();
  return useApiMutation(updateProduct, { ...config, updates: saved });
}
