// Search's shapes (from the generated schema) and the filters a search takes.
import type { Schemas } from "../../lib/api/client";

export type SearchHit = Schemas["SearchHit"];
export type SearchResults = Schemas["SearchResults"];
export type Recommendation = Schemas["Recommendation"];
export type Match = SearchHit["match"];
export type SearchedProduct = SearchHit["product"];

export interface SearchFilters {
  q: string;
  category?: string;
  /** The amounts' currency: only products priced in it. */
  currency?: string;
  min_price?: number;
  max_price?: number;
  min_commission?: number;
  grade?: NonNullable<SearchedProduct["grade"]>[];
}
