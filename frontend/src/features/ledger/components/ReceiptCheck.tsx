// Verify / download one transaction's receipt; the check runs in this browser with WebCrypto.
import { useState } from "react";
import { Button } from "../../../components/ui";
import { problemOf } from "../../../lib/api/problem";
import { downloadBlob } from "../../../lib/download";
import { ReceiptError, verifyReceipt, type VerifiedReceipt } from "../../../lib/receiptVerify";
import { getReceipt } from "../api/get-receipt";
import { getVerifierKeys } from "../api/get-verifier-key";
import { witnessKeysFor } from "../api/get-witness-keys";
import { saveReceipt } from "../api/saved-receipts";
import { formatDate } from "../../../lib/format";

export type Check = { state: "working" } | { state: "ok"; result: VerifiedReceipt } | { state: "failed"; reason: string };

export function downloadText(name: string, text: string) {
  downloadBlob(name, new Blob([text], { type: "text/plain" }));
}

export function reasonOf(e: unknown): string {
  return e instanceof ReceiptError ? e.message : (problemOf(e)?.detail ?? String(e));
}

export function CheckResult({ check }: { check: Check | null }) {
  if (check?.state === "ok") {
    const r = check.result;
    return (
      <div role="status" className="mt-1 text-xs">
        <p className="text-green-700">
          Verified in your browser: transaction #{r.index} is in {r.origin}'s signed log of {r.treeSize} transactions.
        </p>
        <p className="text-slate-600" data-testid="signed-by">
          Signed with key {r.signedBy.keyId}
          {r.signedBy.position > 0 ? ", a key the organisation has since retired (checkpoints it signed stay valid)." : "."}
        </p>
        {r.witnesses.length > 0 ? (
          <ul className="text-green-700">
            {r.witnesses.map((w) => (
              <li key={w.name}>Cosigned by witness {w.name} on {formatDate(w.time)}.</li>
            ))}
          </ul>
        ) : (
          <p className="text-amber-700">
            No pinned witness has cosigned this checkpoint: only the organisation's own key vouches for it.
          </p>
        )}
        {r.unchecked.length > 0 && (
          <p className="text-slate-500">Also signed by {r.unchecked.join(", ")}: no key pinned for them, not checked.</p>
        )}
      </div>
    );
  }
  if (check?.state === "failed") return <p role="alert" className="mt-1 text-xs text-red-700">Not verified: {check.reason}</p>;
  return null;
}

export function ReceiptActions({ transactionId, seq, slug }: { transactionId: string; seq: number; slug: string }) {
  const [check, setCheck] = useState<Check | null>(null);
  const verify = async () => {
    setCheck({ state: "working" });
    try {
      const [receipt, vkeys, witnesses] = await Promise.all([getReceipt(transactionId), getVerifierKeys(slug), witnessKeysFor(slug)]);
      setCheck({ state: "ok", result: await verifyReceipt(receipt, vkeys, witnesses) });
      saveReceipt(slug, receipt);
    } catch (e) {
      setCheck({ state: "failed", reason: reasonOf(e) });
    }
  };
  const save = async () => {
    try {
      const receipt = await getReceipt(transactionId);
      downloadText(`transaction-${seq}.tlog-proof`, receipt);
      saveReceipt(slug, receipt);
    } catch (e) {
      setCheck({ state: "failed", reason: reasonOf(e) });
    }
  };
  return (
    <div>
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" busy={check?.state === "working"} onClick={() => void verify()}>Verify</Button>
        <Button variant="secondary" onClick={() => void save()}>Download receipt</Button>
      </div>
      <CheckResult check={check} />
    </div>
  );
}
