// "My earnings proof": your ledger accounts and postings; each one's receipt is downloaded and
// verified right here in the browser (WebCrypto), trusting nothing the server says.
import { QueryState } from "../../../components/QueryState";
import { useAuth } from "../../../lib/auth/session";
import { useLedgerAccounts } from "../api/get-ledger-accounts";
import { SavedReceiptsCard } from "./SavedReceiptsCard";
import { AccountStatements } from "./Statement";
import { VerifyReceiptCard } from "./VerifyReceiptCard";

export function EarningsProofPage() {
  const { me } = useAuth();
  const accounts = useLedgerAccounts();
  if (!me) return null;
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">My earnings proof</h1>
      <p className="text-sm text-slate-600">
        Every entry is a leaf of {me.tenant.display_name}'s signed ledger. "Verify" downloads its receipt and checks the
        signature and the Merkle proof in your browser, so you do not have to trust this server.
      </p>
      <QueryState query={accounts} empty="You have no ledger accounts yet; they appear with your first commission.">
        {(rows) => <AccountStatements accounts={rows} slug={me.tenant.slug} />}
      </QueryState>
      <VerifyReceiptCard slug={me.tenant.slug} />
      <SavedReceiptsCard slug={me.tenant.slug} />
    </div>
  );
}
