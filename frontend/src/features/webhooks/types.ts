// Webhook types (from the generated schema).
import type { Schemas } from "../../lib/api/client";

export type EventType = Schemas["EventTypeRead"]["type"];
