// Your own ledger accounts and postings, each one's receipt downloaded and verified right here in
// the browser (WebCrypto), trusting nothing the server says: an affiliate's earnings, or the
// commissions a vendor owes on their sales.
import { QueryState } from "../../../components/QueryState";
import { PageTitle } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { useLedgerAccounts } from "../api/get-ledger-accounts";
import { SavedReceiptsCard } from "./SavedReceiptsCard";
import { AccountStatements } from "./Statement";
import { VerifyReceiptCard } from "./VerifyReceiptCard";

export function EarningsProofPage() {
  const { me } = useAuth();
  const accounts = useLedgerAccounts();
  if (!me) return null;
  const vendor = me.role === "vendor";
  return (
    <div className="flex flex-col gap-6">
      <PageTitle>{vendor ? "Commissions you owe, with proof" : "My earnings proof"}</PageTitle>
      <p className="text-sm text-slate-600">
        {vendor
          ? "What you owe for the commissions on your sales: each sale adds its commission, each refund takes it back. "
          : "What you earned: commissions while a sale can still be refunded, then payable, then paid out. "}
        Every entry is a leaf of {me.tenant.display_name}'s signed ledger. "Verify" downloads its receipt and checks the
        signature and the Merkle proof in your browser, so you do not have to trust this server.
      </p>
      <QueryState query={accounts} empty={vendor ? "You have no ledger account yet; it appears with your first sale through an affiliate." : "You have no ledger accounts yet; they appear with your first commission."}>
        {(rows) => <AccountStatements accounts={rows} slug={me.tenant.slug} />}
      </QueryState>
      <VerifyReceiptCard slug={me.tenant.slug} />
      <SavedReceiptsCard slug={me.tenant.slug} />
    </div>
  );
}
