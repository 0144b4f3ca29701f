// An affiliate's commissions: balances by state (from the ledger), every share with its state,
// and the coupon codes assigned to them. Tenant admins see everyone's shares.
import { useState, type FormEvent } from "react";
import { Link as RouterLink } from "react-router";
import { ExportButton } from "../../../components/ExportButton";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError, Select, PageTitle } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { useAuth } from "../../../lib/auth/session";
import { bpsToPercent, formatDate, formatMoney } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useAppealHold } from "../api/appeal-hold";
import { useBalances } from "../api/get-balances";
import { useCommissions } from "../api/get-commissions";
import { useCoupons } from "../api/get-coupons";
import { useFraudHolds } from "../api/get-fraud-holds";
import { useTier } from "../api/get-tier";
import type { CommissionState, Hold } from "../types";
import { CommissionStateBadge, HoldHistory, HoldStatusBadge, SaleLabel, shareLabel } from "./parts";

const STATES = [
  { value: "", label: "All states" },
  { value: "pending", label: "Pending (refund hold)" },
  { value: "available", label: "Available" },
  { value: "held", label: "Held for review" },
  { value: "reversed", label: "Reversed (refunded)" },
  { value: "rejected", label: "Rejected" },
];

export function CommissionsPage() {
  const { me } = useAuth();
  const admin = me?.role === "tenant_admin";
  return (
    <div className="flex flex-col gap-6">
      <PageTitle>Commissions</PageTitle>
      {!admin && <BalancesCard />}
      {!admin && <TierCard />}
      <SharesCard admin={admin} />
      {!admin && <MyHoldsCard />}
      {!admin && <MyCouponsCard />}
    </div>
  );
}

function BalancesCard() {
  const balances = useBalances();
  return (
    <Card title="My earnings">
      <QueryState query={balances}>
        {(data) => (
          <div className="flex flex-col gap-4">
            {data.map((b) => (
              <dl key={b.currency} className="grid grid-cols-2 gap-3 sm:grid-cols-5" data-testid={`balances-${b.currency}`}>
                {([["Pending", b.pending_minor, "in the refund hold"], ["Held", b.held_minor, "under fraud review"], ["Available", b.available_minor, "ready for payout"], ["In payment", b.in_payment_minor, "in a payout batch"], ["Paid", b.paid_minor, "paid out so far"]] as const).map(([label, amount, hint]) => (
                  <div key={label} className="rounded-md border border-slate-200 p-3">
                    <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
                    <dd className="text-2xl font-semibold" data-testid={`balance-${label.toLowerCase().replace(" ", "-")}`}>{formatMoney(amount, b.currency)}</dd>
                    <dd className="text-xs text-slate-500">{hint}</dd>
                  </div>
                ))}
              </dl>
            ))}
            <p className="text-xs text-slate-500">Read from your ledger accounts. <RouterLink className="underline" to="/app/earnings">Prove them</RouterLink> with a signed receipt.</p>
          </div>
        )}
      </QueryState>
    </Card>
  );
}

function SharesCard({ admin }: { admin: boolean }) {
  const [state, setState] = useState<CommissionState | null>(null);
  const list = useCommissions(state);
  return (
    <Card title={admin ? "All commissions" : "My commissions"} actions={
      <div className="flex flex-wrap items-start gap-3">
        <Select label="State" hideLabel name="state" value={state ?? ""} options={STATES} onChange={(e) => setState((e.target.value || null) as CommissionState | null)} />
        <ExportButton path="/api/v1/commissions/export" filters={{ state }} />
      </div>
    }>
      <QueryState query={list} empty={<>No commissions {state ? `in state ${state}` : "yet"}. They appear here when a sale through your link or coupon is reported.</>}>
        {(rows) => (
          <div className="relative overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="commissions">
              <thead className="text-xs uppercase text-slate-500">
                <tr><th className="py-2 pr-3">When</th>{admin && <th className="pr-3">Earner</th>}<th className="pr-3">Order</th><th className="pr-3">Product</th><th className="pr-3">Kind</th><th className="pr-3 text-right">Sale</th><th className="pr-3 text-right">Share</th><th className="pr-3">State</th><th>Matures</th></tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((c) => (
                  <tr key={c.id} data-testid="commission-row">
                    <td className="py-2 pr-3 whitespace-nowrap">{formatDate(c.created_at)}</td>
                    {admin && (
                      <td className="pr-3">
                        {c.beneficiary_id && c.kind !== "platform_fee"
                          ? <RouterLink className="underline" to={`/app/affiliates/${c.beneficiary_id}`}>{c.beneficiary_name}</RouterLink>
                          : "The platform"}
                      </td>
                    )}
                    <td className="pr-3 font-mono text-xs">{c.order_id}</td>
                    <td className="pr-3">{c.product_id ? <RouterLink className="underline" to={`/app/products/${c.product_id}`}>{c.product_title}</RouterLink> : "—"}</td>
                    <td className="pr-3">
                      {shareLabel(c.kind, c.level)}{" "}
                      <SaleLabel sale={{ kind: c.sale_kind, renewal: c.renewal, renewal_limit: c.renewal_limit }} />
                      {c.subscription_id && <span className="block text-xs text-slate-500">subscription {c.subscription_id}</span>}
                    </td>
                    <td className="pr-3 text-right">{formatMoney(c.sale_minor, c.currency)}</td>
                    <td className="pr-3 text-right font-medium" data-testid="commission-amount">
                      {formatMoney(c.amount_minor - c.reversed_minor, c.currency)}
                      {c.reversed_minor > 0 && <span className="block text-xs text-slate-500">of {formatMoney(c.amount_minor, c.currency)}</span>}
                    </td>
                    <td className="pr-3"><CommissionStateBadge state={c.state} /></td>
                    <td className="whitespace-nowrap text-xs text-slate-500">{c.state === "pending" && c.matures_at ? formatDate(c.matures_at) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {list.hasNextPage && <Button variant="secondary" className="mt-3" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>}
    </Card>
  );
}

function MyCouponsCard() {
  const coupons = useCoupons();
  const { me } = useAuth();
  return (
    <Card title="My coupon codes">
      <QueryState query={coupons} empty={<>No coupon codes yet. Vendors can assign you one with your referral code{me?.referral_code ? <> <code>{me.referral_code}</code></> : null}.</>}>
        {(rows) => (
          <ul className="divide-y divide-slate-100 text-sm">
            {rows.map((c) => (
              <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <span><code className="font-semibold">{c.code}</code> for {c.product_title}</span>
                {c.revoked_at ? <span className="text-xs text-red-600">revoked {formatDate(c.revoked_at)}</span> : <span className="text-xs text-slate-500">since {formatDate(c.created_at)}</span>}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}

function MyHoldsCard() {
  const list = useFraudHolds(null);
  if (list.isPending || list.isError || list.data.length === 0) return null;
  return (
    <Card title="Held for review">
      <p className="mb-3 text-sm text-slate-600">A fraud rule held these sales' commissions until an admin looks at them. Tell them what happened: they see your appeal.</p>
      <ul className="divide-y divide-slate-100" data-testid="my-holds">
        {list.data.map((h) => <MyHold key={h.id} hold={h} />)}
      </ul>
    </Card>
  );
}

function MyHold({ hold }: { hold: Hold }) {
  const appeal = useAppealHold();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    appeal.mutate({ id: hold.id, message: formValues(e.currentTarget).message ?? "" });
  };
  return (
    <li className="flex flex-col gap-2 py-3 text-sm" data-testid="my-hold">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span>{hold.product_title ?? "—"} · sale {formatMoney(hold.sale_minor, hold.currency)} · {formatDate(hold.created_at)}</span>
        <HoldStatusBadge status={hold.status} />
      </div>
      <ul className="list-disc pl-5">{hold.explained.map((why, i) => <li key={i}>{why}</li>)}</ul>
      {hold.note && <p>Admin's note: “{hold.note}”</p>}
      <HoldHistory hold={hold} />
      {hold.status === "open" && !hold.appeal && (
        <form onSubmit={submit} className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-start" noValidate>
          <Field label="Your appeal" name="message" maxLength={2000} error={appeal.fieldError("message")} />
          <Button type="submit" busy={appeal.isPending} className="sm:mt-6">Send appeal</Button>
          <div className="sm:col-span-2"><FormError problem={appeal.problem && Object.keys(appeal.problem.fieldErrors).length === 0 ? appeal.problem : null} /></div>
        </form>
      )}
    </li>
  );
}

const TIER_NAMES = { bronze: "Bronze", silver: "Silver", gold: "Gold", platinum: "Platinum" } as const;

function TierCard() {
  const tier = useTier();
  return <QueryState query={tier}>{(t) => <Tier tier={t} />}</QueryState>;
}

function Tier({ tier: t }: { tier: Schemas["TierRead"] }) {
  const m = (v: number) => formatMoney(v, t.currency);
  const progress = t.next_threshold_minor ? Math.min(100, Math.round((t.earnings_minor * 100) / t.next_threshold_minor)) : 100;
  return (
    <Card title="My tier">
      <p className="text-sm" data-testid="tier">
        <strong className="text-lg">{TIER_NAMES[t.tier]}</strong>
        {t.bonus_bps > 0 && <> · your commissions are {bpsToPercent(t.bonus_bps)} higher</>}
        {" "}· {m(t.earnings_minor)} approved in the last 90 days
      </p>
      {t.next_tier && t.next_threshold_minor !== null && (
        <div className="mt-3">
          <div className="h-2 w-full rounded bg-slate-100" role="progressbar" aria-valuenow={progress} aria-valuemin={0} aria-valuemax={100} aria-label={`Progress to ${TIER_NAMES[t.next_tier]}`}>
            <div className="h-2 rounded bg-brand" style={{ width: `${progress}%` }} />
          </div>
          <p className="mt-1 text-xs text-slate-500">{m(t.next_threshold_minor - t.earnings_minor)} more to reach {TIER_NAMES[t.next_tier]}.</p>
        </div>
      )}
      <ul className="mt-3 grid grid-cols-2 gap-2 text-xs sm:grid-cols-4">
        {t.ladder.map((step) => (
          <li key={step.tier} className={`rounded border p-2 ${step.tier === t.tier ? "border-brand" : "border-slate-200"}`}>
            <strong>{TIER_NAMES[step.tier]}</strong><br />from {m(step.threshold_minor)}<br />+{bpsToPercent(step.bonus_bps)}
          </li>
        ))}
      </ul>
      {t.history.length > 0 && (
        <ol className="mt-3 text-xs text-slate-600" data-testid="tier-history">
          {t.history.map((c, i) => (
            <li key={i}>{formatDate(c.created_at)}: {TIER_NAMES[c.previous]} → {TIER_NAMES[c.tier]} ({m(c.earnings_minor)} approved)</li>
          ))}
        </ol>
      )}
    </Card>
  );
}
