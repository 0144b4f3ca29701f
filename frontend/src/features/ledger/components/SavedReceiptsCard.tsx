// The receipts this browser kept, each checked against the organisation's public log of today:
// today's signed checkpoint must extend the tree the receipt was signed in, and still hold its
// transaction. Tiles are public hashes, so an affiliate checks this without any admin.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card } from "../../../components/ui";
import { checkAgainstToday } from "../../../lib/tlogTiles";
import { getLogCheckpoint, getLogTile } from "../api/get-log";
import { useVerifierKeys } from "../api/get-verifier-key";
import { ledgerKeys } from "../api/keys";
import { forgetReceipt, useSavedReceipts, type SavedReceipt } from "../api/saved-receipts";
import { reasonOf } from "./ReceiptCheck";
import { formatDate } from "../../../lib/format";

/** "Transaction #4, signed at size 6", read from the receipt text (verified by the check). */
function label(receipt: string): string {
  const index = receipt.split("\n")[2]?.replace("index ", "") ?? "?";
  const size = receipt.slice(receipt.indexOf("\n\n") + 2).split("\n")[1] ?? "?";
  return `Transaction #${index}, signed at size ${size}`;
}

function SavedReceiptRow({ saved, slug, vkeys, checkpoint }: { saved: SavedReceipt; slug: string; vkeys: string[]; checkpoint: string }) {
  const check = useQuery({
    queryKey: ledgerKeys.savedCheck(slug, saved.receipt, checkpoint),
    queryFn: () => checkAgainstToday(saved.receipt, vkeys, checkpoint, (path) => getLogTile(slug, path)),
    retry: false,
    staleTime: Infinity,
  });
  return (
    <li className="flex flex-wrap items-start justify-between gap-2 border-t border-slate-100 py-2 text-sm" data-testid="saved-receipt">
      <div>
        <p className="font-medium">{label(saved.receipt)}</p>
        <p className="text-xs text-slate-500">Saved {formatDate(saved.savedAt)}</p>
        {check.isPending && <p className="text-xs text-slate-500">Checking against today's checkpoint…</p>}
        {check.data && (
          <p role="status" className="text-xs text-green-700">
            Consistent with today's checkpoint (size {check.data.todaySize}): transaction #{check.data.index} is still in the log.
          </p>
        )}
        {check.isError && (
          <p role="alert" className="text-xs text-red-700">Not consistent with today's log: {reasonOf(check.error)}</p>
        )}
      </div>
      <button type="button" className="text-xs text-brand underline" onClick={() => forgetReceipt(slug, saved.receipt)}>Forget</button>
    </li>
  );
}

export function SavedReceiptsCard({ slug }: { slug: string }) {
  const receipts = useSavedReceipts(slug);
  const vkey = useVerifierKeys(slug);
  const today = useQuery({
    queryKey: ledgerKeys.logCheckpoint(slug),
    queryFn: () => getLogCheckpoint(slug),
    retry: false,
    enabled: receipts.length > 0,
  });
  const client = useQueryClient();
  return (
    <Card
      title="Saved receipts"
      actions={
        receipts.length > 0 && (
          <Button variant="secondary" busy={today.isFetching} onClick={() => void client.invalidateQueries({ queryKey: ledgerKeys.logCheckpoint(slug) })}>
            Check again
          </Button>
        )
      }
    >
      <p className="mb-2 text-sm text-slate-600">
        Receipts you verified or downloaded here are kept in this browser. Each is checked against the organisation's public log as it is
        today: its signed checkpoint must extend the one your receipt was signed in and still hold your transaction.
      </p>
      {receipts.length === 0 ? (
        <p className="text-sm text-slate-500">No saved receipts yet: verify or download one above.</p>
      ) : today.isError || vkey.isError ? (
        <p role="alert" className="text-sm text-red-700">Cannot read today's checkpoint: {reasonOf(today.error ?? vkey.error)}</p>
      ) : vkey.data && today.data ? (
        <ul>
          {receipts.map((saved) => (
            <SavedReceiptRow key={saved.receipt} saved={saved} slug={slug} vkeys={vkey.data} checkpoint={today.data} />
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-500">Fetching today's checkpoint…</p>
      )}
    </Card>
  );
}
