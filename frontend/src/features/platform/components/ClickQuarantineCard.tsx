// Platform admin: clicks the database refused, kept aside in the click spool's quarantine.
import { QueryState } from "../../../components/QueryState";
import { Badge, Card } from "../../../components/ui";
import { useClickQuarantine } from "../api/get-click-quarantine";

export function ClickQuarantineCard() {
  const quarantine = useClickQuarantine();
  return (
    <Card title="Click spool">
      <QueryState query={quarantine}>
        {(kept) =>
          kept.quarantined_lines === 0 ? (
            <p className="text-sm text-slate-600" data-testid="click-quarantine">
              <Badge tone="green">ok</Badge> Every spooled click reached the database.
            </p>
          ) : (
            <div className="flex flex-col gap-2 text-sm" data-testid="click-quarantine">
              <p>
                <Badge tone="red">{kept.quarantined_lines} refused</Badge>{" "}
                {kept.quarantined_lines === 1 ? "click was" : "clicks were"} refused by the database and kept aside
                for an operator to mend and replay (see docs/marketplace.md, Clicks). Under the data directory:
              </p>
              <ul className="list-inside list-disc break-all font-mono text-xs text-slate-700">
                {kept.quarantine_files.map((file) => <li key={file}>{file}</li>)}
              </ul>
              {kept.file_count > kept.quarantine_files.length && (
                <p className="text-xs text-slate-500">and {kept.file_count - kept.quarantine_files.length} more files</p>
              )}
            </div>
          )
        }
      </QueryState>
    </Card>
  );
}
