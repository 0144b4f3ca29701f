// A batch as a mass-payout CSV file, fetched when asked for.
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export async function getBatchCsv(id: string): Promise<Blob> {
  const r = await api.GET("/api/v1/payout-batches/{batch_id}/export.csv", { params: { path: { batch_id: id } }, parseAs: "blob" });
  return unwrap(r) as unknown as Blob;
}
