// Add an image to a product (multipart).
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { useProductSaved } from "./product-saved";

export async function uploadProductImage({ id, file }: { id: string; file: File }) {
  const form = new FormData();
  form.append("file", file);
  return unwrap(
    await api.POST("/api/v1/products/{product_id}/images", {
      params: { path: { product_id: id } },
      // multipart: openapi-fetch passes FormData through untouched
      body: form as unknown as Schemas["Body_add_image_api_v1_products__product_id__images_post"],
      bodySerializer: (b) => b as unknown as FormData,
    }),
  );
}

export function useUploadProductImage(config: MutationConfig<typeof uploadProductImage> = {}) {
  const saved = useProductSaved();
  return useApiMutation(uploadProductImage, { ...config, updates: saved });
}
