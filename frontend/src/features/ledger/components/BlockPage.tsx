// One sealed block: its signed checkpoint, the witnesses' cosignatures and the transactions it sealed.
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { Button, Card, CopyButton, EmptyState, ErrorState, Loading } from "../../../components/ui";
import { problemOf } from "../../../lib/api/problem";
import { formatDate } from "../../../lib/format";
import { useCursorList } from "../../../lib/useCursorList";
import { fetchBlock, fetchTransactions, ledgerKeys } from "../api";

function SealedTransactions({ fromSeq, toSeq }: { fromSeq: number; toSeq: number }) {
  const txns = useCursorList(ledgerKeys.transactions(fromSeq, toSeq), (cursor) => fetchTransactions(fromSeq, toSeq, cursor));
  if (txns.isPending) return <Loading />;
  if (txns.isError) return <ErrorState problem={problemOf(txns.error)} onRetry={() => void txns.refetch()} />;
  if (txns.rows.length === 0) return <EmptyState>This block sealed no new transactions.</EmptyState>;
  return (
    <>
      <ul className="divide-y divide-slate-100 text-sm">
        {txns.rows.map((t) => (
          <li key={t.id} className="flex flex-wrap justify-between gap-2 py-2">
            <Link className="text-brand underline" to={`/app/ledger/transactions/${t.id}`}>#{t.seq} {t.description || "(no description)"}</Link>
            <span className="text-slate-500">{formatDate(t.created_at)}</span>
          </li>
        ))}
      </ul>
      {txns.hasNextPage && <Button variant="secondary" className="mt-3" onClick={() => void txns.fetchNextPage()}>Load more</Button>}
    </>
  );
}

export function BlockPage() {
  const height = Number(useParams().height);
  const block = useQuery({ queryKey: ledgerKeys.block(height), queryFn: () => fetchBlock(height), enabled: Number.isInteger(height) });
  if (!Number.isInteger(height) || block.isError) {
    return <ErrorState problem={block.isError ? problemOf(block.error) : null} />;
  }
  if (block.isPending) return <Loading />;
  const b = block.data;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">Block {b.height}</h1>
        <nav className="flex gap-3 text-sm">
          {b.height > 0 && <Link className="text-brand underline" to={`/app/ledger/blocks/${b.height - 1}`}>← Block {b.height - 1}</Link>}
          <Link className="text-brand underline" to="/app/ledger">All blocks</Link>
        </nav>
      </div>
      <Card title="Summary">
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-500">Sealed</dt><dd>{formatDate(b.created_at)}</dd>
          <dt className="text-slate-500">Tree size</dt><dd data-testid="block-tree-size">{b.tree_size} (transactions #{b.first_seq}–#{b.tree_size - 1} are new)</dd>
          <dt className="text-slate-500">Root hash</dt><dd className="font-mono text-xs break-all">{b.root_hash}</dd>
          <dt className="text-slate-500">Block hash</dt><dd className="font-mono text-xs break-all">{b.block_hash}</dd>
          <dt className="text-slate-500">Previous block</dt><dd className="font-mono text-xs break-all">{b.prev_hash}</dd>
        </dl>
      </Card>
      <Card title="Signed checkpoint" actions={<CopyButton text={b.checkpoint} />}>
        <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs" data-testid="checkpoint">{b.checkpoint}</pre>
        <h3 className="mt-3 text-sm font-semibold">Witness cosignatures</h3>
        {b.cosignatures.length === 0 ? <p className="text-sm text-slate-500">None yet.</p> : (
          <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs">{b.cosignatures.join("\n")}</pre>
        )}
      </Card>
      <Card title="Transactions sealed in this block">
        <SealedTransactions fromSeq={b.first_seq} toSeq={b.tree_size} />
      </Card>
    </div>
  );
}
