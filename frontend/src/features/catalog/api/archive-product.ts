// Archive a product for good.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { useProductSaved } from "./product-saved";

export const archiveProduct = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/products/{product_id}", { params: { path: { product_id: id } } }));

export function useArchiveProduct(config: MutationConfig<typeof archiveProduct> = {}) {
  const saved = useProductSaved();
  return useApiMutation(archiveProduct, { ...config, updates: saved });
}
