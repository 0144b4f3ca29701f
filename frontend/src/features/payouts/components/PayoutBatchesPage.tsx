// Payout batches (admins): who a batch would pay now and who it leaves out; make a batch,
// export it as a mass-payout CSV, mark each payout paid or failed.
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ExportButton } from "../../../components/ExportButton";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, ConfirmButton, EmptyState, Field, FormError, PageTitle } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { downloadBlob } from "../../../lib/download";
import { count, formatDate, formatMoney } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useCreateBatch } from "../api/create-batch";
import { useBatch } from "../api/get-batch";
import { getBatchCsv } from "../api/get-batch-csv";
import { useBatchPreview } from "../api/get-batch-preview";
import { useBatches } from "../api/get-batches";
import { useSettleItem } from "../api/settle-item";
import type { PayoutItem } from "../types";
import { METHODS, PayoutStatusBadge } from "./parts";

const SKIPPED = { below_threshold: "below the threshold", no_payout_method: "no payout method" } as const;

export function PayoutBatchesPage() {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="flex flex-col gap-6">
      <PageTitle>Payout batches</PageTitle>
      <NextBatchCard onMade={setOpen} />
      <BatchesCard open={open} onOpen={setOpen} />
      {open && <BatchCard id={open} />}
    </div>
  );
}

function NextBatchCard({ onMade }: { onMade: (id: string) => void }) {
  const preview = useBatchPreview();
  const make = useCreateBatch({ onSuccess: (batch) => onMade(batch.id) });
  return (
    <Card title="Next payout batch">
      <QueryState query={preview}>
        {(data) => (
          <div className="flex flex-col gap-3 text-sm">
            <p>Pays everyone with at least {formatMoney(data.threshold_minor, data.currency)} available (or their group's threshold) and a payout method their whole available balance.</p>
            {data.candidates.length === 0 ? <EmptyState>No one has an available balance.</EmptyState> : (
              <ul className="divide-y divide-slate-100" data-testid="payout-candidates">
                {data.candidates.map((c) => (
                  <li key={c.affiliate_id} className="flex flex-wrap justify-between gap-2 py-2">
                    <span>
                      {c.affiliate_name} · {formatMoney(c.available_minor, data.currency)}{c.method && ` · ${METHODS[c.method]}`}
                      {/* a group's own threshold, where it is not the organisation's */}
                      {c.threshold_minor !== data.threshold_minor && ` · threshold ${formatMoney(c.threshold_minor, data.currency)} (group)`}
                    </span>
                    <span className={c.skipped ? "text-slate-500" : "font-medium text-green-700"}>{c.skipped ? `left out: ${SKIPPED[c.skipped]}` : "paid"}</span>
                  </li>
                ))}
              </ul>
            )}
            <div className="flex items-center gap-3">
              <Button busy={make.isPending} disabled={data.total_minor === 0} onClick={() => make.mutate()}>
                Make batch ({formatMoney(data.total_minor, data.currency)})
              </Button>
            </div>
            <FormError problem={make.problem} />
          </div>
        )}
      </QueryState>
    </Card>
  );
}

function BatchesCard({ open, onOpen }: { open: string | null; onOpen: (id: string) => void }) {
  const batches = useBatches();
  return (
    <Card title="Batches" actions={<ExportButton path="/api/v1/payout-batches/export" label="Export batches" />}>
      <QueryState query={batches} empty="No payout batches yet.">
        {(rows) => (
          <ul className="divide-y divide-slate-100 text-sm">
            {rows.map((b) => (
              <li key={b.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <span>Batch #{b.number} · {count(b.item_count, "payout")} · {formatMoney(b.total_minor, b.currency)} · {formatDate(b.created_at)}{b.scheduled && " · made by the schedule"} · {b.status}</span>
                <Button variant="secondary" disabled={open === b.id} onClick={() => onOpen(b.id)}>Open</Button>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}

function BatchCard({ id }: { id: string }) {
  const batch = useBatch(id);
  return <QueryState query={batch}>{(b) => <Batch batch={b} />}</QueryState>;
}

function Batch({ batch: b }: { batch: Schemas["BatchRead"] }) {
  const [exporting, setExporting] = useState(false);
  const exportCsv = async () => {
    setExporting(true);
    try { downloadBlob(`payouts-batch-${b.number}.csv`, await getBatchCsv(b.id)); } finally { setExporting(false); }
  };
  return (
    <Card title={`Batch #${b.number}`} actions={
      <div className="flex flex-wrap items-start gap-3">
        <Button variant="secondary" busy={exporting} onClick={() => void exportCsv()}>Export CSV</Button>
        <ExportButton path="/api/v1/payout-batches/{batch_id}/items/export" params={{ batch_id: b.id }} label="All payouts" />
      </div>
    }>
      <p className="mb-3 text-sm" data-testid="batch-totals">
        {formatMoney(b.total_minor, b.currency)} in {count(b.items.length, "payout")} · paid {formatMoney(b.paid_minor, b.currency)} · failed {formatMoney(b.failed_minor, b.currency)} · {b.status}
      </p>
      <ul className="divide-y divide-slate-100" data-testid="batch-items">
        {b.items.map((i) => <ItemRow key={i.id} item={i} />)}
      </ul>
    </Card>
  );
}

function ItemRow({ item }: { item: PayoutItem }) {
  const [failing, setFailing] = useState(false);
  const settle = useSettleItem();
  const fail = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    settle.mutate({ id: item.id, body: { status: "failed", failure_reason: formValues(e.currentTarget).failure_reason ?? "" } });
  };
  return (
    <li className="flex flex-col gap-2 py-3 text-sm" data-testid="batch-item">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span><Link to={`/app/affiliates/${item.affiliate_id}`} className="font-semibold underline">{item.affiliate_name}</Link> · {formatMoney(item.amount_minor, item.currency)} · {METHODS[item.method]} {item.account} · {item.reference}</span>
        <PayoutStatusBadge status={item.status} />
      </div>
      {item.failure_reason && <p className="text-xs text-red-600">{item.failure_reason}</p>}
      {item.status === "pending" && (failing ? (
        <form onSubmit={fail} className="grid gap-3 sm:grid-cols-[1fr_auto_auto] sm:items-start" noValidate>
          <Field label="Why it failed" name="failure_reason" maxLength={500} error={settle.fieldError("failure_reason")} />
          <Button type="submit" variant="danger" busy={settle.isPending} className="sm:mt-6">Mark failed</Button>
          <Button type="button" variant="secondary" className="sm:mt-6" onClick={() => setFailing(false)}>Cancel</Button>
        </form>
      ) : (
        <div className="flex gap-2">
          <ConfirmButton variant="primary" question="Mark this payout paid? Its money leaves the affiliate's balance for good." action="Yes, it was paid"
            busy={settle.isPending} onConfirm={() => settle.mutate({ id: item.id, body: { status: "paid", failure_reason: "" } })}>Mark paid</ConfirmButton>
          <Button variant="secondary" onClick={() => setFailing(true)}>Failed…</Button>
        </div>
      ))}
      <FormError problem={settle.problem && Object.keys(settle.problem.fieldErrors).length === 0 ? settle.problem : null} />
    </li>
  );
}
