// Query keys of the recruiting feature.
export const recruitingKeys = {
  all: ["recruiting"] as const,
  joinPage: (slug: string) => ["recruiting", "join", slug] as const,
  applications: (status: string) => ["recruiting", "applications", status] as const,
  terms: ["recruiting", "terms"] as const,
  questions: ["recruiting", "questions"] as const,
  rules: ["recruiting", "rules"] as const,
  member: (userId: string) => ["recruiting", "member", userId] as const,
};
