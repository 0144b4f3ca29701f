// The affiliate directory's shapes (from the API's schema) and the filters its pages keep.
import type { Schemas } from "../../lib/api/client";

export type AffiliateSummary = Schemas["AffiliateSummary"];
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
