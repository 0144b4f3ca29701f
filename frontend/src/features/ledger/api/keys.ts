// Query keys of the ledger: accounts, statements, blocks, transactions, mirrors.
export const ledgerKeys = {
  all: ["ledger"] as const,
  accounts: ["ledger", "accounts"] as const,
  statement: (code: string) => ["ledger", "statement", code] as const,
  blocks: ["ledger", "blocks"] as const,
  block: (height: number) => ["ledger", "block", height] as const,
  transactions: (fromSeq: number, toSeq: number) => ["ledger", "transactions", fromSeq, toSeq] as const,
  transaction: (id: string) => ["ledger", "transaction", id] as const,
  verifierKey: (slug: string) => ["ledger", "vkey", slug] as const,
  witnessKeys: (slug: string) => ["ledger", "witness-keys", slug] as const,
  alarms: ["ledger", "alarms"] as const,
  logCheckpoint: (slug: string) => ["ledger", "log", slug, "checkpoint"] as const,
  savedCheck: (slug: string, receipt: string, checkpoint: string) => ["ledger", "log", slug, "saved", receipt, checkpoint] as const,
  signingKeys: ["ledger", "signing-keys"] as const,
};
