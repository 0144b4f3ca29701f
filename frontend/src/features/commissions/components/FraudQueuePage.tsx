// The fraud queue (admins): sales a fraud rule held, with the reasons, the affiliate's appeal
// and the history; approve (the commission goes to pending) or reject (back to the vendor).
// A new hold or appeal appears live (the admins' topic), or within 30 s while the socket is down.
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError, Select } from "../../../components/ui";
import { formatDate, formatMoney } from "../../../lib/format";
import { useAuth } from "../../../lib/auth/session";
import { formValues } from "../../../lib/forms";
import { useTopic } from "../../../lib/socket";
import { useDecideHold } from "../api/decide-hold";
import { useFraudHolds } from "../api/get-fraud-holds";
import { commissionKeys } from "../api/keys";
import type { Hold, HoldStatus } from "../types";
import { HoldHistory, HoldStatusBadge } from "./parts";

const STATUSES = [
  { value: "open", label: "Waiting for a decision" },
  { value: "approved", label: "Approved" },
  { value: "rejected", label: "Rejected" },
  { value: "", label: "All" },
];

const HOLD_EVENTS = new Set(["commission.held", "hold.appealed", "commission.released", "commission.rejected"]);

export function FraudQueuePage() {
  const [status, setStatus] = useState<HoldStatus | null>("open");
  const list = useFraudHolds(status);
  const { me } = useAuth();
  const queryClient = useQueryClient();
  useTopic(me ? `admins:${me.tenant.id}` : null, (event) => {
    if (HOLD_EVENTS.has(event.type)) void queryClient.invalidateQueries({ queryKey: commissionKeys.allHolds });
  });
  return (
    <Card level={1} title="Fraud queue" actions={
      <Select label="Status" hideLabel name="status" value={status ?? ""} options={STATUSES} onChange={(e) => setStatus((e.target.value || null) as HoldStatus | null)} />
    }>
      <QueryState query={list} empty={<>{status === "open" ? "Nothing is waiting: no sale is held." : "No holds here."}</>}>
        {(rows) => (
          <ul className="divide-y divide-slate-100" data-testid="holds">
            {rows.map((h) => <HoldRow key={h.id} hold={h} />)}
          </ul>
        )}
      </QueryState>
      {list.hasNextPage && <Button variant="secondary" className="mt-3" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>}
    </Card>
  );
}

function HoldRow({ hold }: { hold: Hold }) {
  const decide = useDecideHold();
  const [decision, setDecision] = useState<"approve" | "reject">("approve");
  const [rejecting, setRejecting] = useState(false); // a rejection is asked for twice
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    decide.mutate({ id: hold.id, body: { decision, note: v.note ?? "" } });
  };
  return (
    <li className="flex flex-col gap-2 py-4 text-sm" data-testid="hold-row">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span>
          <Link to={`/app/affiliates/${hold.affiliate_id}`} className="font-semibold text-indigo-700 underline">{hold.affiliate_name}</Link> · {hold.product_title ?? "—"} · order{" "}
          <span className="font-mono">{hold.order_id}</span> · sale {formatMoney(hold.sale_minor, hold.currency)} ·
          commission {formatMoney(hold.pool_minor, hold.currency)} · held {formatDate(hold.created_at)}
        </span>
        <HoldStatusBadge status={hold.status} />
      </div>
      {hold.customer_ref && <p className="text-slate-600">Customer reference: <span className="font-mono">{hold.customer_ref}</span></p>}
      <div>
        <p className="font-medium text-slate-800">What the rules found</p>
        <ul className="list-disc pl-5 text-slate-700" data-testid="hold-findings">
          {hold.explained.map((why, i) => <li key={i}>{why}</li>)}
        </ul>
      </div>
      {hold.appeal && <p className="rounded bg-slate-50 p-2">Appeal ({hold.appealed_at && formatDate(hold.appealed_at)}): “{hold.appeal}”</p>}
      <HoldHistory hold={hold} />
      {hold.status === "open" && (
        <form onSubmit={submit} className="grid gap-3 sm:grid-cols-[1fr_auto_auto] sm:items-start" noValidate>
          <Field label="Note (the affiliate sees it)" name="note" maxLength={2000} error={decide.fieldError("note")} />
          <Button type="submit" busy={decide.isPending && decision === "approve"} onClick={() => setDecision("approve")} className="sm:mt-6">Approve</Button>
          {rejecting ? (
            <span role="group" aria-label="Reject this commission?" className="flex flex-wrap items-center gap-2 sm:col-span-3">
              Reject this commission? The affiliate is told, with your note.
              <Button type="submit" variant="danger" autoFocus busy={decide.isPending && decision === "reject"} onClick={() => setDecision("reject")}>Reject commission</Button>
              <Button type="button" variant="secondary" onClick={() => setRejecting(false)}>Cancel</Button>
            </span>
          ) : (
            <Button type="button" variant="danger" onClick={() => setRejecting(true)} className="sm:mt-6">Reject</Button>
          )}
          <div className="sm:col-span-3"><FormError problem={decide.problem} /></div>
        </form>
      )}
    </li>
  );
}
