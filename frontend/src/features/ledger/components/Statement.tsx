// An account's postings with running balances; each links to its transaction and can be verified.
import { useState } from "react";
import { Link } from "react-router";
import { ExportButton } from "../../../components/ExportButton";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, CopyButton } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { useAuth } from "../../../lib/auth/session";
import { formatDate, formatMoney } from "../../../lib/format";
import { useStatement } from "../api/get-statement";
import { ReceiptActions } from "./ReceiptCheck";

export function Statement({ account, slug }: { account: Schemas["AccountRead"]; slug: string }) {
  const lines = useStatement(account.code);
  const { me } = useAuth();
  return (
    <>
    <div className="mb-2 flex justify-end">
      <ExportButton path="/api/v1/ledger/accounts/{code}/statement/export" params={{ code: account.code }} label="Export statement" />
    </div>
    <QueryState query={lines} empty="No postings yet.">
      {(rows) => (
        <div className="relative overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr><th className="p-2">#</th><th className="p-2">When</th><th className="p-2">What</th><th className="p-2">{me?.role === "tenant_admin" ? "In the books" : "For you"}</th><th className="p-2 text-right">Amount</th><th className="p-2 text-right">Balance</th><th className="p-2">Proof</th></tr>
            </thead>
            <tbody>
              {rows.map((line) => (
                <tr key={line.transaction_id} className="border-t border-slate-100 align-top" data-testid={`statement-row-${line.seq ?? "pending"}`}>
                  <td className="p-2"><Link className="text-brand underline" to={`/app/ledger/transactions/${line.transaction_id}`}>{line.seq === null ? "pending" : `#${line.seq}`}</Link></td>
                  <td className="p-2">{formatDate(line.created_at)}</td>
                  <td className="p-2">
                    <span className="block">{line.title || "—"}</span>
                    <span className="block text-xs text-slate-600" data-testid="entry-meaning">{line.meaning}</span>
                  </td>
                  <td className="p-2" data-testid="entry-effect">{line.effect}</td>
                  <td className="p-2 text-right">{formatMoney(line.amount, account.currency)}</td>
                  <td className="p-2 text-right">{formatMoney(line.balance, account.currency)}</td>
                  <td className="p-2">
                    {line.seq === null ? <span className="text-xs text-slate-500">Being sequenced</span> : <ReceiptActions transactionId={line.transaction_id} seq={line.seq} slug={slug} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {lines.hasNextPage && <Button variant="secondary" className="mt-3" onClick={() => void lines.fetchNextPage()}>Load more</Button>}
        </div>
      )}
    </QueryState>
    </>
  );
}

/** Account picker (balance per account) with the selected account's statement. */
export function AccountStatements({ accounts, slug }: { accounts: Schemas["AccountRead"][]; slug: string }) {
  const [selected, setSelected] = useState<string | null>(null);
  const current = accounts.find((a) => a.code === selected) ?? accounts[0];
  return (
    <>
      <div className="flex flex-wrap gap-2">
        {accounts.map((a) => (
          <button key={a.code} type="button" onClick={() => setSelected(a.code)} aria-pressed={current?.code === a.code}
            className={`rounded-md border px-3 py-2 text-left text-sm ${current?.code === a.code ? "border-brand" : "border-slate-200"}`}>
            <span className="block font-medium">{a.name}</span>
            <span className="text-slate-600">{a.balance_label}: </span>
            <span className="font-semibold">{formatMoney(a.balance, a.currency)}</span>
          </button>
        ))}
      </div>
      {current && (
        <Card title={current.name}>
          <p className="mb-3 text-sm" data-testid="account-balance">
            {current.balance_label}: <span className="font-semibold">{formatMoney(current.balance, current.currency)}</span>
          </p>
          <p className="mb-3 flex flex-wrap items-center gap-2 text-xs text-slate-500">
            <span>Account code <code className="font-mono break-all" data-testid="account-code">{current.code}</code></span>
            <CopyButton text={current.code} label="Copy code" />
          </p>
          <Statement account={current} slug={slug} />
        </Card>
      )}
    </>
  );
}
