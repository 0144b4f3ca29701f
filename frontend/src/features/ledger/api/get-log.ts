// An organisation's public log (C2SP tlog-tiles): today's checkpoint and hash tiles, no login.
// Plain fetch: a tile's path holds slashes that a path parameter would escape.
import { apiUrl } from "../../../lib/api/base";
import { ReceiptError } from "../../../lib/receiptVerify";

const logUrl = (slug: string) => apiUrl(`/api/v1/public/tenants/${encodeURIComponent(slug)}/ledger/log/`);

async function getLog(slug: string, path: string): Promise<Response> {
  // the checkpoint changes with every block: never a copy the browser kept
  const r = await fetch(logUrl(slug) + path, { cache: path === "checkpoint" ? "no-cache" : "default" });
  if (!r.ok) throw new ReceiptError(`the public log has no ${path} (HTTP ${r.status})`);
  return r;
}

export async function getLogCheckpoint(slug: string): Promise<string> {
  return (await getLog(slug, "checkpoint")).text();
}

export async function getLogTile(slug: string, path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await getLog(slug, path)).arrayBuffer());
}
