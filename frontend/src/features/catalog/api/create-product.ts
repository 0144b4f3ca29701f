// List a new product (it waits for review).
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import type { ProductFields } from "../types";
import { useProductSaved } from "./product-saved";

export const createProduct = async (body: ProductFields) => unwrap(await api.POST("/api/v1/products", { body }));

export function useCreateProduct(config: MutationConfig<typeof createProduct> = {}) {
  const saved = useProductSaved();
  return useApiMutation(createProduct, { ...config, updates: saved });
}
