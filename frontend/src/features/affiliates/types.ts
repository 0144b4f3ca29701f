// The affiliate directory's shapes (from the API's schema) and the filters its pages keep.
import type { Schemas } from "../../lib/api/client";

// `group` until the generated schema has it
export type AffiliateSummary = Schemas["AffiliateSummary"] & { group?: { id: string; name: string } | null };
export type AffiliateProfile = Schemas["AffiliateProfile"];

export interface ProfileSpan {
  start: string;
  end: string;
}

export interface DirectoryFilter extends ProfileSpan {
  q: string;
  status: "" | "active" | "suspended";
  /** a group's id, "" for any group */
  group: string;
}
