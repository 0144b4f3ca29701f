// A transaction's receipt (a tlog-proof, as text), fetched when asked for.
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export async function getReceipt(transactionId: string): Promise<string> {
  const r = await api.GET("/api/v1/ledger/transactions/{transaction_id}/receipt", {
    params: { path: { transaction_id: transactionId } },
    parseAs: "text",
  });
  return unwrap(r) as unknown as string;
}
