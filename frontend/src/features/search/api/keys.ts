// Query keys of search: results, similar products, recommendations.
import type { SearchFilters } from "../types";

export const searchKeys = {
  all: ["search"] as const,
  results: (f: SearchFilters) => ["search", "results", f] as const,
  similar: (id: string) => ["search", "similar", id] as const,
  recommendations: ["search", "recommendations"] as const,
};
