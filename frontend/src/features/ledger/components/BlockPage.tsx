// One sealed block: its signed checkpoint, the witnesses' cosignatures and the transactions it sealed.
import { Link, useParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, CopyButton, ErrorState } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { formatDate } from "../../../lib/format";
import { useBlock } from "../api/get-block";
import { useTransactions } from "../api/get-transactions";

function SealedTransactions({ fromSeq, toSeq }: { fromSeq: number; toSeq: number }) {
  const txns = useTransactions(fromSeq, toSeq);
  return (
    <QueryState query={txns} empty="This block sealed no new transactions.">
      {(rows) => (
        <>
          <ul className="divide-y divide-slate-100 text-sm">
            {rows.map((t) => (
              <li key={t.id} className="flex flex-wrap justify-between gap-2 py-2">
                <span>
                  <Link className="text-brand underline" to={`/app/ledger/transactions/${t.id}`}>#{t.seq} {t.title || "(no description)"}</Link>
                  <span className="block text-xs text-slate-600" data-testid="entry-meaning">{t.meaning}</span>
                </span>
                <span className="text-slate-500">{formatDate(t.created_at)}</span>
              </li>
            ))}
          </ul>
          {txns.hasNextPage && <Button variant="secondary" className="mt-3" onClick={() => void txns.fetchNextPage()}>Load more</Button>}
        </>
      )}
    </QueryState>
  );
}

export function BlockPage() {
  const height = Number(useParams().height);
  const block = useBlock(height);
  if (!Number.isInteger(height)) return <ErrorState problem={null} />;
  return <QueryState query={block} retry={false}>{(b) => <Block block={b} />}</QueryState>;
}

function Block({ block: b }: { block: Schemas["BlockDetail"] }) {
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
        <pre tabIndex={0} className="overflow-x-auto rounded bg-slate-50 p-2 text-xs" data-testid="checkpoint">{b.checkpoint}</pre>
        <h3 className="mt-3 text-sm font-semibold">Witness cosignatures</h3>
        {b.cosignatures.length === 0 ? <p className="text-sm text-slate-500">None yet.</p> : (
          <pre tabIndex={0} className="overflow-x-auto rounded bg-slate-50 p-2 text-xs">{b.cosignatures.join("\n")}</pre>
        )}
      </Card>
      <Card title="Transactions sealed in this block">
        <SealedTransactions fromSeq={b.first_seq} toSeq={b.tree_size} />
      </Card>
    </div>
  );
}
