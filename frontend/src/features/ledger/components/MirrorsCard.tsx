// Independent copies of the ledger: keys for mirrors, how to start one, and the alarms raised by
// them, by witnesses that refused a checkpoint (with the evidence) and by the sealer (which
// halts sealing on one).
import { type ComponentType, type ReactNode } from "react";
import { QueryState } from "../../../components/QueryState";
import { Badge, Card } from "../../../components/ui";
import { apiOrigin } from "../../../lib/api/base";
import type { Schemas } from "../../../lib/api/client";
import { formatDate } from "../../../lib/format";
import { useAlarms } from "../api/get-alarms";
import { useVerifierKeys } from "../api/get-verifier-key";
import { AlarmEvidence } from "./AlarmEvidence";

export function AlarmsCard() {
  const alarms = useAlarms();
  return (
    <Card title="Ledger alarms">
      <QueryState query={alarms} retry={false} empty="No mirror, witness or sealer has raised an alarm.">
        {(rows) => (
          <ul className="divide-y divide-red-100 text-sm" data-testid="alarms">
            {rows.map((a) => (
              <li key={a.id} className="flex flex-col gap-1 py-2" role="alert">
                <span><Badge tone="red">{a.kind.replace("_", " ")}</Badge> <strong>{a.evidence ? `witness ${a.reporter}` : a.reporter}</strong> · {formatDate(a.created_at)}</span>
                <span>{a.detail}{a.entry_index != null ? ` (entry #${a.entry_index})` : ""}</span>
                {a.evidence && <AlarmEvidence evidence={a.evidence} />}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}

/** The card that makes and lists API keys of one scope (the apikeys feature's). */
export type KeysCard = ComponentType<{
  title: string;
  scope: Schemas["ApiKeyCreate"]["scope"];
  usage: (secret: string) => ReactNode;
  children: ReactNode;
}>;

export function MirrorsCard({ slug, KeysCard }: { slug: string; KeysCard: KeysCard }) {
  const vkeys = useVerifierKeys(slug);
  const logs = (vkeys.data ?? ["<verifier key>"]).map((k) => `--log '${k}'`).join(" ");
  const command = (secret: string) =>
    `BITNEXUS_MIRROR_KEY=${secret} bitnexus ledger witness --data-dir ./mirror --name mirror.example.org/m1 ` +
    `${logs} --mirror ${apiOrigin()}`;
  return (
    <KeysCard title="Mirrors" scope="ledger:read" usage={(secret) => (
      <pre tabIndex={0} className="mt-2 overflow-x-auto whitespace-pre-wrap break-all rounded bg-white p-2 text-xs">{command(secret)}</pre>
    )}>
      <p className="mb-3 text-sm text-slate-600">
        A mirror keeps its own copy of this ledger, re-verifies every entry and every signed root, and raises an alarm
        here if the log is ever rewritten, forked or rolled back. Give each mirror its own read-only key.
      </p>
    </KeysCard>
  );
}
