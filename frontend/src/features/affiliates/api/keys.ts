// Query keys of the affiliate directory.
import type { DirectoryFilter, ProfileSpan } from "../types";

export const affiliateKeys = {
  all: ["affiliates"] as const,
  list: (filter: DirectoryFilter) => ["affiliates", "list", filter] as const,
  one: (id: string, span: ProfileSpan) => ["affiliates", "one", id, span] as const,
};
