// Query keys of tracked links.
export const linkKeys = {
  all: ["links"] as const,
  list: (productId: string | null) => ["links", "list", productId] as const,
};
