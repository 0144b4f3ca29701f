// Query keys of the catalog: products, the marketplace, the vetting queue.
import type { MarketFilters } from "../types";

export const catalogKeys = {
  all: ["catalog"] as const,
  market: (f: MarketFilters) => ["catalog", "market", f] as const,
  categories: ["catalog", "categories"] as const,
  product: (id: string) => ["catalog", "product", id] as const,
  mine: (status: string) => ["catalog", "mine", status] as const,
  queue: ["catalog", "queue"] as const,
  reviews: (id: string) => ["catalog", "reviews", id] as const,
  stats: (start: string, end: string) => ["catalog", "stats", start, end] as const,
};
