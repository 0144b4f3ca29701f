// Query keys of the groups feature.
export const groupKeys = {
  all: ["groups"] as const,
  list: ["groups", "list"] as const,
  mine: ["groups", "mine"] as const,
  moves: (affiliateId: string) => ["groups", "moves", affiliateId] as const,
  products: ["groups", "products"] as const,
};
