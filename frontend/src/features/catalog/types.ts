// The catalog's product shapes (from the generated schema), grades and marketplace filters.
import type { Schemas } from "../../lib/api/client";

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
