// Query keys of the development tools.
export const devKeys = { mailbox: ["dev", "mailbox"] as const };
