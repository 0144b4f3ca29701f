// Query keys of marketing content.
export const contentKeys = {
  all: ["content"] as const,
  options: ["content", "options"] as const,
  credits: ["content", "credits"] as const,
  history: (productId: string | null) => ["content", "history", productId] as const,
  products: ["content", "products"] as const,
};
