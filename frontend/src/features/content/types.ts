// Marketing content (from the generated schema).
import type { Schemas } from "../../lib/api/client";

export type Generation = Schemas["GenerationRead"];
export type PlatformRules = Schemas["PlatformRead"];
export type Platform = Schemas["Platform"];
