// Query keys of the public sign-up pages.
export const authKeys = {
  invitation: (token: string) => ["invitation", token] as const,
  publicTenant: (slug: string) => ["public-tenant", slug] as const,
};
