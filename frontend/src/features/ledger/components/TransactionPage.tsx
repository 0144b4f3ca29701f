// One ledger transaction: its postings, its leaf (the exact bytes the log commits to) and its receipt.
import { Link, useParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Card, CopyButton } from "../../../components/ui";
import type { Me, Schemas } from "../../../lib/api/client";
import { useAuth } from "../../../lib/auth/session";
import { formatDate, formatMoney } from "../../../lib/format";
import { useTransaction } from "../api/get-transaction";
import { ReceiptActions } from "./ReceiptCheck";

function decodeLeaf(b64: string): string {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export function TransactionPage() {
  const { me } = useAuth();
  const { id = "" } = useParams();
  const txn = useTransaction(id);
  if (!me) return null;
  return <QueryState query={txn} retry={false}>{(t) => <Transaction transaction={t} me={me} />}</QueryState>;
}

function Transaction({ transaction: t, me }: { transaction: Schemas["TransactionRead"]; me: Me }) {
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">{t.seq === null ? "Transaction (being sequenced)" : `Transaction #${t.seq}`}</h1>
        <Link className="text-sm text-brand underline" to={me.role === "tenant_admin" ? "/app/ledger" : "/app/earnings"}>Back</Link>
      </div>
      <Card title={t.title || "Transaction"}>
        <p className="mb-3 text-sm text-slate-700" data-testid="transaction-meaning"><span className="font-semibold">What this means: </span>{t.meaning}</p>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-500">Recorded</dt><dd>{formatDate(t.created_at)}</dd>
          <dt className="text-slate-500">Leaf index</dt><dd>{t.leaf_index ?? "—"}</dd>
          <dt className="text-slate-500">Idempotency key</dt><dd className="font-mono text-xs break-all">{t.idempotency_key}</dd>
          {t.reverses_id && (<><dt className="text-slate-500">Reverses</dt><dd><Link className="text-brand underline" to={`/app/ledger/transactions/${t.reverses_id}`}>the original transaction</Link></dd></>)}
        </dl>
      </Card>
      <Card title="Postings">
        <table className="w-full text-left text-sm" data-testid="postings">
          <thead className="text-xs uppercase text-slate-500"><tr><th className="p-2">Account</th><th className="p-2">{me.role === "tenant_admin" ? "In the books" : "For you"}</th><th className="p-2 text-right">Debit</th><th className="p-2 text-right">Credit</th></tr></thead>
          <tbody>
            {t.postings.map((p, i) => (
              <tr key={i} className="border-t border-slate-100 align-top">
                <td className="p-2">
                  <span className="block">{p.account_name}</span>
                  <span className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
                    <code className="font-mono break-all">{p.account}</code>
                    <CopyButton text={p.account} label="Copy code" />
                  </span>
                </td>
                <td className="p-2">{p.effect || <span className="text-slate-500">—</span>}</td>
                <td className="p-2 text-right">{p.amount > 0 ? formatMoney(p.amount, p.currency) : ""}</td>
                <td className="p-2 text-right">{p.amount < 0 ? formatMoney(-p.amount, p.currency) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title="Proof">
        {t.leaf === null || t.seq === null ? (
          <p className="text-sm text-slate-600" data-testid="being-sequenced">
            Posted: balances include it. The log gives it a sequence number and its leaf within seconds; reload to see them.
          </p>
        ) : (
          <>
            <p className="mb-2 text-sm text-slate-600">The leaf below (RFC 8785 canonical JSON) is what the signed log commits to.</p>
            <pre tabIndex={0} aria-label="Leaf data" className="mb-3 overflow-x-auto rounded bg-slate-50 p-2 text-xs" data-testid="leaf">{decodeLeaf(t.leaf)}</pre>
            <ReceiptActions transactionId={t.id} seq={t.seq} slug={me.tenant.slug} />
          </>
        )}
      </Card>
    </div>
  );
}
