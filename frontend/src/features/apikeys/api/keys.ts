// Query keys of API keys.
export const apiKeyKeys = { all: ["api-keys"] as const };
