// A link's QR code as an image file, fetched when asked for.
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export async function getLinkQr(id: string, format: "svg" | "png"): Promise<Blob> {
  const r = await api.GET("/api/v1/links/{link_id}/qr", { params: { path: { link_id: id }, query: { format, scale: format === "png" ? 12 : 10 } }, parseAs: "blob" });
  return unwrap(r) as unknown as Blob;
}
