import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export type Product = Schemas["ProductRead"];
export type ProductFields = Schemas["ProductCreate"];
export type Grade = NonNullable<Product["grade"]>;
export type ProductStatus = Product["status"];

export const GRADES: Grade[] = ["S", "A", "B", "C", "D", "F"];

export interface MarketFilters {
  q?: string;
  category?: string;
  currency?: string;
  min_price?: number;
  max_price?: number;
  min_commission?: number;
  grade?: Grade[];
  sort?: "newest" | "commission" | "epc";
}

export const catalogKeys = {
  all: ["catalog"] as const,
  market: (f: MarketFilters) => ["catalog", "market", f] as const,
  categories: ["catalog", "categories"] as const,
  product: (id: string) => ["catalog", "product", id] as const,
  mine: (status: string) => ["catalog", "mine", status] as const,
  queue: ["catalog", "queue"] as const,
  reviews: (id: string) => ["catalog", "reviews", id] as const,
};

export const fetchMarketplace = async (f: MarketFilters, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/marketplace", { params: { query: { ...f, cursor: cursor ?? undefined, limit: 24 } } }));

export const fetchCategories = async () => unwrap(await api.GET("/api/v1/marketplace/categories"));

export const fetchProduct = async (id: string) =>
  unwrap(await api.GET("/api/v1/products/{product_id}", { params: { path: { product_id: id } } }));

export const fetchMyProducts = async (status: ProductStatus | "", cursor: string | null) =>
  unwrap(await api.GET("/api/v1/products", { params: { query: { status: status || undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const createProduct = async (body: ProductFields) => unwrap(await api.POST("/api/v1/products", { body }));

export const updateProduct = async ({ id, body }: { id: string; body: ProductFields }) =>
  unwrap(await api.PUT("/api/v1/products/{product_id}", { params: { path: { product_id: id } }, body }));

export const archiveProduct = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/products/{product_id}", { params: { path: { product_id: id } } }));

export const uploadImage = async ({ id, file }: { id: string; file: File }) => {
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
};

export const removeImage = async ({ id, imageId }: { id: string; imageId: string }) =>
  unwrap(await api.DELETE("/api/v1/products/{product_id}/images/{image_id}", { params: { path: { product_id: id, image_id: imageId } } }));

export const fetchQueue = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/vetting", { params: { query: { cursor: cursor ?? undefined, limit: 50 } } }));

export const reviewProduct = async ({ id, body }: { id: string; body: Schemas["Review"] }) =>
  unwrap(await api.POST("/api/v1/products/{product_id}/review", { params: { path: { product_id: id } }, body }));

export const fetchReviews = async (id: string) =>
  unwrap(await api.GET("/api/v1/products/{product_id}/reviews", { params: { path: { product_id: id } } }));
