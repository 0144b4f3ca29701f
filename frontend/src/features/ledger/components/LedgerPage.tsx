// Tenant admins: the signed blocks of the ledger (updated live over Server-Sent Events) and
// every account's statement.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useAuth } from "../../../app/auth";
import { Button, Card } from "../../../components/ui";
import { rawRequest } from "../../../lib/api/client";
import { formatDate } from "../../../lib/format";
import { useCursorList } from "../../../lib/useCursorList";
import { fetchAccounts, fetchBlocks, ledgerKeys } from "../api";
import { AlarmsCard, MirrorsCard } from "./MirrorsCard";
import { AccountStatements } from "./Statement";
import { VerifyReceiptCard } from "./VerifyReceiptCard";
import { QueryState } from "../../../components/QueryState";

/** Read the SSE stream with fetch (EventSource cannot send the bearer token). */
function useLiveLedger(onEvent: (kind: string) => void): "connecting" | "live" | "offline" {
  const [state, setState] = useState<"connecting" | "live" | "offline">("connecting");
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      try {
        const { body } = await rawRequest("/api/v1/ledger/stream", { signal: abort.signal });
        if (!body) return setState("offline");
        setState("live");
        const reader = body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const kind = buffer.slice(0, end).split("\n").find((l) => l.startsWith("event: "))?.slice(7);
            buffer = buffer.slice(end + 2);
            if (kind) onEvent(kind);
          }
        }
        setState("offline");
      } catch {
        if (!abort.signal.aborted) setState("offline");
      }
    })();
    return () => abort.abort();
  }, [onEvent]);
  return state;
}

export function LedgerPage() {
  const { me } = useAuth();
  const accounts = useQuery({ queryKey: ledgerKeys.accounts, queryFn: fetchAccounts });
  const queryClient = useQueryClient();
  const blocks = useCursorList(ledgerKeys.blocks, fetchBlocks);
  const [latestTx, setLatestTx] = useState(0);
  const live = useLiveLedger(useStableCallback((kind: string) => {
    if (kind === "block") void queryClient.invalidateQueries({ queryKey: ledgerKeys.blocks });
    if (kind === "transaction") {
      setLatestTx((n) => n + 1);
      void queryClient.invalidateQueries({ queryKey: ["ledger"] });
    }
  }));
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Ledger</h1>
      <AlarmsCard />
      <Card title="Signed blocks" actions={<span className="text-xs text-slate-500" data-testid="live-state">{live === "live" ? `live · ${latestTx} new transactions` : live}</span>}>
        <QueryState query={blocks} retry={false} empty="No blocks yet: the first is sealed a few seconds after the first transaction.">
          {(rows) => (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr><th className="p-2">Height</th><th className="p-2">Transactions</th><th className="p-2">Root</th><th className="p-2">Sealed</th></tr>
                </thead>
                <tbody>
                  {rows.map((b) => (
                    <tr key={b.height} className="border-t border-slate-100" data-testid={`block-row-${b.height}`}>
                      <td className="p-2"><Link className="text-brand underline" to={`/app/ledger/blocks/${b.height}`}>{b.height}</Link></td>
                      <td className="p-2">{b.tree_size}</td>
                      <td className="p-2 font-mono text-xs break-all">{b.root_hash}</td>
                      <td className="p-2">{formatDate(b.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
        {blocks.hasNextPage && <Button variant="secondary" className="mt-3" onClick={() => void blocks.fetchNextPage()}>Load more</Button>}
      </Card>
      <h2 className="text-xl font-semibold">Accounts</h2>
      <QueryState query={accounts} retry={false} empty="No ledger accounts yet.">
        {(rows) => me && <AccountStatements accounts={rows} slug={me.tenant.slug} />}
      </QueryState>
      {me && <VerifyReceiptCard slug={me.tenant.slug} />}
      {me && <MirrorsCard slug={me.tenant.slug} />}
    </div>
  );
}

function useStableCallback<T extends (...args: never[]) => void>(fn: T): T {
  const [ref] = useState(() => ({ current: fn }));
  ref.current = fn;
  const [stable] = useState(() => ((...args: Parameters<T>) => ref.current(...args)) as T);
  return stable;
}
