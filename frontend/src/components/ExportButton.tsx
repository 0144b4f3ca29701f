// Download a table view as CSV or XLSX: the page's export route, with its current filters and
// the user's access token (the file comes through `rawRequest`, then is saved as a blob).
import { useState } from "react";
import { Button, FormError } from "./ui";
import { rawRequest } from "../lib/api/client";
import type { paths } from "../lib/api/schema";
import { problemOf } from "../lib/api/problem";
import { downloadBlob } from "../lib/download";
import type { Problem } from "../lib/api/problem";

export type ExportPath = Extract<keyof paths, `${string}/export`>;
type Format = "csv" | "xlsx";

/** The path with its `{params}` filled in and the filters (unset ones left out) as its query. */
function exportUrl(path: ExportPath, format: Format, filters: Record<string, string | null | undefined> = {}, params: Record<string, string> = {}): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
  const query = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
  return `${filled}?${query.toString()}`;
}

/** The name the server gave the file (Content-Disposition), or a plain one. */
function filenameOf(response: Response, format: Format): string {
  const match = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "");
  return match?.[1] ?? `export.${format}`;
}

export function ExportButton({ path, filters, params, label = "Export" }: {
  path: ExportPath;
  filters?: Record<string, string | null | undefined>;
  params?: Record<string, string>;
  label?: string;
}) {
  const [busy, setBusy] = useState<Format | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const download = async (format: Format) => {
    setBusy(format);
    setProblem(null);
    try {
      const response = await rawRequest(exportUrl(path, format, filters, params));
      downloadBlob(filenameOf(response, format), await response.blob());
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="flex flex-col items-end gap-1">
      <div role="group" aria-label={label} className="flex items-center gap-2">
        <span className="text-sm text-slate-600">{label}</span>
        {(["csv", "xlsx"] as const).map((format) => (
          <Button
            key={format}
            variant="secondary"
            className="px-3 py-1"
            busy={busy === format}
            disabled={busy !== null}
            aria-label={`${label} as ${format.toUpperCase()}`}
            onClick={() => void download(format)}
          >
            {format.toUpperCase()}
          </Button>
        ))}
      </div>
      <FormError problem={problem} />
    </div>
  );
}
