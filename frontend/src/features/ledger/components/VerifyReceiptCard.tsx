// Verify any saved receipt against keys you choose: the log's verifier key and the witnesses'
// keys. Pin keys you got from somewhere other than this server, and the check trusts nothing
// the server says.
import { useState, type FormEvent } from "react";
import { Button, Card } from "../../../components/ui";
import { formatMoney } from "../../../lib/format";
import { verifyReceipt } from "../../../lib/receiptVerify";
import { useVerifierKeys } from "../api/get-verifier-key";
import { keyLines, useWitnessKeys } from "../api/get-witness-keys";
import { saveReceipt } from "../api/saved-receipts";
import { CheckResult, reasonOf, type Check } from "./ReceiptCheck";

export function VerifyReceiptCard({ slug }: { slug: string }) {
  const published = useVerifierKeys(slug);
  const [keyText, setKeyText] = useState<string | null>(null);
  const witnesses = useWitnessKeys(slug);
  const [witnessText, setWitnessText] = useState<string | null>(null);
  const witnessKeys = witnessText === null ? witnesses.keys : keyLines(witnessText);
  const [receipt, setReceipt] = useState("");
  const [check, setCheck] = useState<Check | null>(null);
  const vkeys = keyLines(keyText ?? (published.data ?? []).join("\n"));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCheck({ state: "working" });
    try {
      setCheck({ state: "ok", result: await verifyReceipt(receipt, vkeys, witnessKeys) });
      saveReceipt(slug, receipt);
    } catch (err) {
      setCheck({ state: "failed", reason: reasonOf(err) });
    }
  };
  const transaction = check?.state === "ok" ? check.result.transaction : null;
  return (
    <Card title="Verify a saved receipt">
      <form className="flex flex-col gap-3" onSubmit={(e) => void submit(e)}>
        <label className="flex flex-col gap-1 text-sm font-medium">
          Receipt file
          <input type="file" accept=".tlog-proof,text/plain" className="text-sm font-normal"
            onChange={(e) => void e.target.files?.[0]?.text().then(setReceipt)} />
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium">
          Receipt text
          <textarea rows={4} className="rounded-md border border-slate-300 p-2 font-mono text-xs" value={receipt}
            onChange={(e) => setReceipt(e.target.value)} />
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium">
          Verifier keys
          <textarea rows={2} className="rounded-md border border-slate-300 p-2 font-mono text-xs"
            value={keyText ?? (published.data ?? []).join("\n")} onChange={(e) => setKeyText(e.target.value)} />
          <span className="text-xs font-normal text-slate-500">
            One per line: the organisation's current key and those it retired (older checkpoints stay signed by them).
            Pre-filled with the keys this server publishes; paste keys you obtained independently to trust nothing here.
          </span>
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium">
          Witness keys
          <textarea rows={2} className="rounded-md border border-slate-300 p-2 font-mono text-xs"
            value={witnessText ?? witnesses.keys.join("\n")} onChange={(e) => setWitnessText(e.target.value)} />
          <span className="text-xs font-normal text-slate-500">
            One per line. {witnesses.pinned ? "Pinned in this browser." : "Pre-filled with the witnesses this server publishes."}{" "}
            A witness cosigns only checkpoints consistent with every one it saw before: its cosignature is what an operator who rewrote the log cannot forge.
          </span>
          <span className="flex gap-2 text-xs font-normal">
            <button type="button" className="text-brand underline" onClick={() => witnesses.pin(witnessKeys)}>Pin these witness keys</button>
            {witnesses.pinned && (
              <button type="button" className="text-brand underline" onClick={() => { witnesses.unpin(); setWitnessText(null); }}>Forget pinned keys</button>
            )}
          </span>
        </label>
        <Button type="submit" busy={check?.state === "working"} disabled={!receipt.trim() || vkeys.length === 0}>Verify receipt</Button>
      </form>
      <CheckResult check={check} />
      {transaction && <ProvenPostings transaction={transaction} />}
      {transaction && (
        <pre tabIndex={0} className="mt-2 overflow-x-auto rounded bg-slate-50 p-2 text-xs" data-testid="receipt-leaf">{JSON.stringify(transaction, null, 2)}</pre>
      )}
    </Card>
  );
}

interface ProvenPosting { account: string; amount: number; currency: string }

function provenPostings(transaction: Record<string, unknown>): ProvenPosting[] {
  const postings = Array.isArray(transaction.postings) ? (transaction.postings as unknown[]) : [];
  return postings.filter((p): p is ProvenPosting => {
    const q = p as Partial<ProvenPosting> | null;
    return typeof q?.account === "string" && typeof q.amount === "number" && typeof q.currency === "string";
  });
}

/** The verified leaf's postings with the money in its currency (the raw leaf follows). */
function ProvenPostings({ transaction }: { transaction: Record<string, unknown> }) {
  const postings = provenPostings(transaction);
  if (postings.length === 0) return <p className="mt-2 text-sm text-slate-600">This entry moves no money.</p>;
  return (
    <div className="relative mt-2 overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="receipt-postings">
        <caption className="text-left text-sm font-medium">The receipt proves these postings</caption>
        <thead className="text-xs uppercase text-slate-500"><tr><th className="p-2">Account code</th><th className="p-2 text-right">Debit</th><th className="p-2 text-right">Credit</th></tr></thead>
        <tbody>
          {postings.map((p, i) => (
            <tr key={i} className="border-t border-slate-100">
              <td className="p-2 font-mono text-xs break-all">{p.account}</td>
              <td className="p-2 text-right">{p.amount > 0 ? formatMoney(p.amount, p.currency) : ""}</td>
              <td className="p-2 text-right">{p.amount < 0 ? formatMoney(-p.amount, p.currency) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
