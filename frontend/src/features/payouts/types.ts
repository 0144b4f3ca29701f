// Payouts and payout batches (from the generated schema).
import type { Schemas } from "../../lib/api/client";

export type PayoutItem = Schemas["ItemRead"];
export type Batch = Schemas["BatchRead"];
