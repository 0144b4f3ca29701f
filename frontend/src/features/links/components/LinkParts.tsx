// A link's short address with copy and QR downloads, and its pause/resume/delete actions.
import { useState } from "react";
import { Badge, Button, CopyButton } from "../../../components/ui";
import { problemOf } from "../../../lib/api/problem";
import { downloadBlob } from "../../../lib/download";
import { useDeleteLink } from "../api/delete-link";
import { getLinkQr } from "../api/get-link-qr";
import { useUpdateLinkStatus } from "../api/update-link-status";
import type { Link } from "../types";

const TONE = { active: "green", paused: "amber", deleted: "slate" } as const;

export function LinkStatusBadge({ status }: { status: Link["status"] }) {
  return <Badge tone={TONE[status]}>{status}</Badge>;
}

export function ShortUrl({ link }: { link: Link }) {
  const [qrError, setQrError] = useState<string | null>(null);
  const qr = async (format: "svg" | "png") => {
    setQrError(null);
    try {
      downloadBlob(`link-${link.code}.${format}`, await getLinkQr(link.id, format));
    } catch (e) {
      setQrError(problemOf(e)?.detail ?? "The QR code could not be made.");
    }
  };
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-2">
        <code className="break-all rounded bg-slate-100 px-2 py-1 text-sm" data-testid="short-url">{link.short_url}</code>
        <CopyButton text={link.short_url} label="Copy link" />
      </div>
      {link.alias_url && (
        <div className="flex flex-wrap items-center gap-2">
          <code className="break-all rounded bg-slate-100 px-2 py-1 text-sm">{link.alias_url}</code>
          <CopyButton text={link.alias_url} label="Copy alias link" />
        </div>
      )}
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" onClick={() => void qr("svg")}>QR code (SVG)</Button>
        <Button variant="secondary" onClick={() => void qr("png")}>QR code (PNG)</Button>
      </div>
      {qrError && <p className="text-xs text-red-600" role="alert">{qrError}</p>}
    </div>
  );
}

export function LinkActions({ link }: { link: Link }) {
  const status = useUpdateLinkStatus();
  const remove = useDeleteLink();
  if (link.status === "deleted") return null;
  return (
    <div className="flex flex-wrap gap-2">
      {link.status === "active" ? (
        <Button variant="secondary" busy={status.isPending} onClick={() => status.mutate({ id: link.id, status: "paused" })}>Pause</Button>
      ) : (
        <Button variant="secondary" busy={status.isPending} onClick={() => status.mutate({ id: link.id, status: "active" })}>Resume</Button>
      )}
      <Button variant="danger" busy={remove.isPending} onClick={() => { if (window.confirm("Delete this link for good? Visitors will land on the program's fallback page.")) remove.mutate(link.id); }}>Delete</Button>
      {(status.problem ?? remove.problem) && <p className="text-xs text-red-600" role="alert">{(status.problem ?? remove.problem)?.detail}</p>}
    </div>
  );
}
