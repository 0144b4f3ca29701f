// Query keys of the platform admin's pages.
export const platformKeys = {
  tenants: ["platform", "tenants"] as const,
  clickQuarantine: ["platform", "click-quarantine"] as const,
  activity: ["platform", "activity"] as const,
};
