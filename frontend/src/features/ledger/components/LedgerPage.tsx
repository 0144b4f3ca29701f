// Tenant admins: the signed blocks of the ledger (updated live over Server-Sent Events) and
// every account's statement.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { formatDate } from "../../../lib/format";
import { useBlocks } from "../api/get-blocks";
import { useLedgerAccounts } from "../api/get-ledger-accounts";
import { useLedgerStream } from "../api/get-ledger-stream";
import { ledgerKeys } from "../api/keys";
import { AlarmsCard, MirrorsCard, type KeysCard } from "./MirrorsCard";
import { SigningKeysCard } from "./SigningKeysCard";
import { AccountStatements } from "./Statement";
import { VerifyReceiptCard } from "./VerifyReceiptCard";

export function LedgerPage({ KeysCard }: { KeysCard: KeysCard }) {
  const { me } = useAuth();
  const accounts = useLedgerAccounts();
  const queryClient = useQueryClient();
  const blocks = useBlocks();
  const [latestTx, setLatestTx] = useState(0);
  const live = useLedgerStream(useStableCallback((kind: string) => {
    if (kind === "block") void queryClient.invalidateQueries({ queryKey: ledgerKeys.blocks });
    if (kind === "transaction") {
      setLatestTx((n) => n + 1);
      void queryClient.invalidateQueries({ queryKey: ledgerKeys.all });
    }
  }));
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Ledger</h1>
      <AlarmsCard />
      <Card title="Signed blocks" actions={<span className="text-xs text-slate-500" data-testid="live-state">{live === "live" ? `live · ${latestTx} new transactions` : live}</span>}>
        <QueryState query={blocks} retry={false} empty="No blocks yet: the first is sealed a few seconds after the first transaction.">
          {(rows) => (
            <div className="relative overflow-x-auto">
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
      <p className="text-sm text-slate-600" data-testid="books-legend">
        These are the platform's books. <strong>Assets</strong> are owed to the platform: each vendor's commissions
        receivable. <strong>Liabilities</strong> are what the platform owes: each affiliate's commissions, pending, held,
        payable or in a payout. <strong>Revenue</strong> is the platform's fees.
      </p>
      <QueryState query={accounts} retry={false} empty="No ledger accounts yet.">
        {(rows) => me && <AccountStatements accounts={rows} slug={me.tenant.slug} />}
      </QueryState>
      <SigningKeysCard />
      {me && <VerifyReceiptCard slug={me.tenant.slug} />}
      {me && <MirrorsCard slug={me.tenant.slug} KeysCard={KeysCard} />}
    </div>
  );
}

function useStableCallback<T extends (...args: never[]) => void>(fn: T): T {
  const [ref] = useState(() => ({ current: fn }));
  ref.current = fn;
  const [stable] = useState(() => ((...args: Parameters<T>) => ref.current(...args)) as T);
  return stable;
}
