import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export type PayoutItem = Schemas["ItemRead"];
export type Batch = Schemas["BatchRead"];

export const payoutKeys = {
  method: ["payouts", "method"] as const,
  settings: ["payouts", "settings"] as const,
  mine: ["payouts", "mine"] as const,
  preview: ["payout-batches", "preview"] as const,
  batches: ["payout-batches"] as const,
  batch: (id: string) => ["payout-batches", id] as const,
};

export const fetchMethod = async () => unwrap(await api.GET("/api/v1/payouts/method"));
export const saveMethod = async (body: Schemas["PayoutMethodUpdate"]) => unwrap(await api.PUT("/api/v1/payouts/method", { body }));
export const fetchPayoutSettings = async () => unwrap(await api.GET("/api/v1/payouts/settings"));
export const fetchMyPayouts = async () => unwrap(await api.GET("/api/v1/payouts"));
export const fetchPreview = async () => unwrap(await api.GET("/api/v1/payout-batches/preview"));
export const fetchBatches = async () => unwrap(await api.GET("/api/v1/payout-batches"));
export const fetchBatch = async (id: string) =>
  unwrap(await api.GET("/api/v1/payout-batches/{batch_id}", { params: { path: { batch_id: id } } }));
export const createBatch = async () => unwrap(await api.POST("/api/v1/payout-batches", { body: {} }));
export const settleItem = async ({ id, body }: { id: string; body: Schemas["ItemSettle"] }) =>
  unwrap(await api.POST("/api/v1/payout-batches/items/{item_id}/settle", { params: { path: { item_id: id } }, body }));

export async function fetchBatchCsv(id: string): Promise<Blob> {
  const r = await api.GET("/api/v1/payout-batches/{batch_id}/export.csv", { params: { path: { batch_id: id } }, parseAs: "blob" });
  return unwrap(r) as unknown as Blob;
}
