// Query keys of the invitation pages.
export const authKeys = {
  invitation: (token: string) => ["invitation", token] as const,
};
