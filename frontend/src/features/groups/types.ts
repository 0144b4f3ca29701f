// The groups' shapes, from the API's schema.
import type { Schemas } from "../../lib/api/client";

export type Group = Schemas["GroupRead"];
export type GroupFields = Schemas["GroupWrite"];
export type Move = Schemas["MoveRead"];
export type MoveFields = Schemas["MoveCreate"];
export type GroupRef = Schemas["GroupRef"];
