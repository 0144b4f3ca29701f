// Query keys of the organisation's settings.
export const tenantKeys = { settings: ["tenant", "settings"] as const };
