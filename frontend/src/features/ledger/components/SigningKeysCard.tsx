// The organisation's signing keys: the current one and those retired by a rotation, which stay
// published so checkpoints they signed keep verifying. Rotating is an operator's action
// (`bitnexus ledger rotate-key`), not a button here.
import { QueryState } from "../../../components/QueryState";
import { Badge, Card, CopyButton } from "../../../components/ui";
import { formatDate } from "../../../lib/format";
import { useSigningKeys } from "../api/get-signing-keys";

export function SigningKeysCard() {
  const keys = useSigningKeys();
  return (
    <Card title="Signing keys">
      <p className="mb-3 text-sm text-slate-600">
        Every checkpoint of this ledger is signed with the organisation's current key. A rotation (an operator runs{" "}
        <code className="text-xs">bitnexus ledger rotate-key</code>) records the change in the ledger itself and signs a
        handover checkpoint with both keys; retired keys stay published so older receipts keep verifying.
      </p>
      <QueryState query={keys} retry={false} empty="No key yet: the first is made when the first block is sealed.">
        {(rows) => (
          <ul className="flex flex-col gap-2">
            {rows.map((k) => (
              <li key={k.version} className="rounded border border-slate-100 p-2 text-sm" data-testid={`signing-key-${k.version}`}>
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">Key {k.key_id}</span>
                  <span className="text-slate-500">version {k.version}</span>
                  {k.current ? <Badge tone="green">current</Badge> : <Badge>retired {k.retired_at ? formatDate(k.retired_at) : ""}</Badge>}
                  {k.legacy && <Badge tone="amber">installation-wide (before per-organisation keys)</Badge>}
                  <span className="text-xs text-slate-500">since {formatDate(k.created_at)}</span>
                  <CopyButton text={k.verifier_key} label="Copy key" />
                </div>
                <p className="mt-1 font-mono text-xs break-all text-slate-600">{k.verifier_key}</p>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
