// Hybrid search results for the marketplace: ranked by relevance, each with a badge saying
// whether it matched the shopper's words, their meaning, or both.
import type { ComponentType } from "react";
import { QueryState } from "../../../components/QueryState";
import { useSearchProducts } from "../api/search-products";
import type { SearchedProduct, SearchFilters } from "../types";
import { MatchBadge } from "./parts";
import { count } from "../../../lib/format";

export type ProductCardLike = ComponentType<{ product: SearchedProduct }>;

export function SearchResults({ filters, ProductCard }: { filters: SearchFilters; ProductCard: ProductCardLike }) {
  const results = useSearchProducts(filters);
  return (
    <QueryState query={results}>
      {(r) => r.items.length === 0 ? (
        <p className="text-sm text-slate-600">Nothing matches “{filters.q}” yet. Try other words.</p>
      ) : (
        <div className="flex flex-col gap-2">
          <p className="text-sm text-slate-600">
            {count(r.items.length, "product")}, most relevant first{r.semantic ? "" : " (matched by words only)"}.
          </p>
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="search-results">
            {r.items.map((hit) => (
              <div key={hit.product.id} className="flex flex-col gap-1" data-testid="search-hit">
                <MatchBadge match={hit.match} />
                <ProductCard product={hit.product} />
              </div>
            ))}
          </div>
        </div>
      )}
    </QueryState>
  );
}
