// A tracked link (from the generated schema).
import type { Schemas } from "../../lib/api/client";

export type Link = Schemas["LinkRead"];
