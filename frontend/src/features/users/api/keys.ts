// Query keys of users and invitations.
export const userKeys = {
  all: ["users"] as const,
  list: (q: string) => ["users", "list", q] as const,
  invitations: ["invitations"] as const,
};
