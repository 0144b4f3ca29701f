// API keys (from the generated schema).
import type { Schemas } from "../../lib/api/client";

export type ApiKeyScope = Schemas["ApiKeyCreate"]["scope"];
