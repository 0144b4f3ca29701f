// Sales, commission shares and fraud holds (from the generated schema).
import type { Schemas } from "../../lib/api/client";

export type Conversion = Schemas["ConversionRead"];
export type Commission = Schemas["CommissionShare"];
export type CommissionState = Schemas["CommissionShare"]["state"];
export type Hold = Schemas["HoldRead"];
export type HoldStatus = Schemas["HoldRead"]["status"];
