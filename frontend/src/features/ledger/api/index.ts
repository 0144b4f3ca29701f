import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export const ledgerKeys = {
  accounts: ["ledger", "accounts"] as const,
  statement: (code: string) => ["ledger", "statement", code] as const,
  blocks: ["ledger", "blocks"] as const,
  block: (height: number) => ["ledger", "block", height] as const,
  transactions: (fromSeq: number, toSeq: number) => ["ledger", "transactions", fromSeq, toSeq] as const,
  transaction: (id: string) => ["ledger", "transaction", id] as const,
  verifierKey: (slug: string) => ["ledger", "vkey", slug] as const,
  alarms: ["ledger", "alarms"] as const,
};

export const fetchAccounts = async () => unwrap(await api.GET("/api/v1/ledger/accounts"));

export const fetchStatement = async (code: string, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/ledger/accounts/{code}/statement", { params: { path: { code }, query: { cursor: cursor ?? undefined } } }));

export const fetchBlocks = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/ledger/blocks", { params: { query: { cursor: cursor ?? undefined, limit: 20 } } }));

export const fetchBlock = async (height: number) =>
  unwrap(await api.GET("/api/v1/ledger/blocks/{height}", { params: { path: { height } } }));

export const fetchTransactions = async (fromSeq: number, toSeq: number, cursor: string | null) =>
  unwrap(
    await api.GET("/api/v1/ledger/transactions", {
      params: { query: { from_seq: fromSeq, to_seq: toSeq, cursor: cursor ?? undefined, limit: 50 } },
    }),
  );

export const fetchTransaction = async (id: string) =>
  unwrap(await api.GET("/api/v1/ledger/transactions/{transaction_id}", { params: { path: { transaction_id: id } } }));

export async function fetchReceipt(transactionId: string): Promise<string> {
  const r = await api.GET("/api/v1/ledger/transactions/{transaction_id}/receipt", {
    params: { path: { transaction_id: transactionId } },
    parseAs: "text",
  });
  return unwrap(r) as unknown as string;
}

export async function fetchVerifierKey(slug: string): Promise<string> {
  const r = await api.GET("/api/v1/public/tenants/{slug}/ledger/verifier-key", { params: { path: { slug } }, parseAs: "text" });
  return (unwrap(r) as unknown as string).trim();
}

export const fetchAlarms = async () => unwrap(await api.GET("/api/v1/ledger/alarms"));
