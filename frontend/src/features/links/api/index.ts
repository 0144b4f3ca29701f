import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export type Link = Schemas["LinkRead"];

export const linkKeys = {
  all: ["links"] as const,
  list: (productId: string | null) => ["links", "list", productId] as const,
};

export const fetchLinks = async (productId: string | null, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/links", { params: { query: { product_id: productId ?? undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const createLink = async (body: Schemas["LinkCreate"]) => unwrap(await api.POST("/api/v1/links", { body }));

export const setLinkStatus = async ({ id, status }: { id: string; status: Schemas["LinkUpdate"]["status"] }) =>
  unwrap(await api.PATCH("/api/v1/links/{link_id}", { params: { path: { link_id: id } }, body: { status } }));

export const deleteLink = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/links/{link_id}", { params: { path: { link_id: id } } }));

export async function fetchQr(id: string, format: "svg" | "png"): Promise<Blob> {
  const r = await api.GET("/api/v1/links/{link_id}/qr", { params: { path: { link_id: id }, query: { format, scale: format === "png" ? 12 : 10 } }, parseAs: "blob" });
  return unwrap(r) as unknown as Blob;
}
