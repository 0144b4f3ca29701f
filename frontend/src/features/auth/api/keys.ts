// Query keys of the invitation and sign-up pages.
export const authKeys = {
  invitation: (token: string) => ["invitation", token] as const,
  signup: (token: string) => ["signup", token] as const,
};
