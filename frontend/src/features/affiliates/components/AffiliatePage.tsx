// Tenant admins: one affiliate in full. Who they are, the range's traffic by day, balances by
// state in every currency (the ledger's), tier and its history, whom they brought in, every fraud
// hold with what the rules found, their payouts and latest commissions.
import { useState, type ComponentType } from "react";
import { Link, useParams } from "react-router";
import { lastDays, RangePicker } from "../../../components/DayRange";
import { DayLines, type Series } from "../../../components/DayLines";
import { QueryState } from "../../../components/QueryState";
import { Tile, Tiles } from "../../../components/Tiles";
import { Badge, Card, CopyButton, PageTitle } from "../../../components/ui";
import { bpsToPercent, formatDate, formatDay, formatMoney, formatNumber } from "../../../lib/format";
import { useAffiliate } from "../api/get-affiliate";
import type { AffiliateProfile, ProfileSpan } from "../types";
import { HoldsSummary } from "./AffiliatesPage";
import { HOLD_WORDS, TIER_NAMES } from "./words";

const TRAFFIC: Series[] = [
  ["clicks", "Clicks", "var(--brand, #4f46e5)"],
  ["conversions", "Sales", "#10b981"],
];

/** How the affiliate joined: the terms they accepted (the recruiting feature's). */
export type JoinedSlot = ComponentType<{ userId: string }>;
/** Their group, moving them and the moves so far (the groups feature's). */
export type GroupSlot = ComponentType<{ affiliateId: string; name: string; group: AffiliateProfile["summary"]["group"] }>;

interface Slots {
  Joined?: JoinedSlot;
  Group?: GroupSlot;
}

export function AffiliatePage({ Joined, Group }: Slots) {
  const { id = "" } = useParams();
  const [span, setSpan] = useState<ProfileSpan>(lastDays(30));
  const profile = useAffiliate(id, span);
  return (
    <div className="flex flex-col gap-6">
      <QueryState query={profile}>{(p) => <Profile profile={p} span={span} onSpan={setSpan} Joined={Joined} Group={Group} />}</QueryState>
    </div>
  );
}

function Profile({ profile: p, span, onSpan, Joined, Group }: { profile: AffiliateProfile; span: ProfileSpan; onSpan: (s: ProfileSpan) => void } & Slots) {
  const s = p.summary;
  return (
    <>
      <div>
        <Link to="/app/affiliates" className="text-sm text-indigo-700 underline">All affiliates</Link>
        <PageTitle className="mt-1">{s.name}</PageTitle>
        <p className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <span className="break-all">{s.email}</span>
          <Badge tone={s.status === "active" ? "green" : "red"}>{s.status}</Badge>
          <span>{TIER_NAMES[s.tier]} tier</span>
          <span>joined {formatDay(s.joined_at)}</span>
          {s.referral_code && <span>referral code <span className="font-mono">{s.referral_code}</span> <CopyButton text={s.referral_code} /></span>}
        </p>
        {Joined && <Joined userId={s.id} />}
      </div>
      <RangePicker span={span} onChange={onSpan} />
      <Tiles>
        <Tile label="Clicks" value={formatNumber(s.clicks)} hint={`${formatNumber(s.unique_clicks)} unique`} />
        <Tile label="Sales" value={formatNumber(s.conversions)} hint={`${bpsToPercent(s.conversion_rate_bps)} of clicks`} />
        <Tile label="Sales value" value={formatMoney(s.sales_minor, p.currency)} />
        <Tile label="Earned" value={formatMoney(s.earnings_minor, p.currency)} hint={`${formatMoney(s.epc_minor, p.currency)} per click`} />
      </Tiles>
      <Card title="By day">
        <DayLines days={p.days} series={TRAFFIC} testId="affiliate-days" caption={`${s.name}'s clicks and sales by day`} />
      </Card>
      <div className="grid gap-6 lg:grid-cols-2">
        <Balances profile={p} />
        <TierCard profile={p} />
        <Network profile={p} />
        <Holds profile={p} />
        {Group && <Group affiliateId={s.id} name={s.name} group={s.group} />}
      </div>
      <Commissions profile={p} />
      <Payouts profile={p} />
    </>
  );
}

function Balances({ profile: p }: { profile: AffiliateProfile }) {
  return (
    <Card title="Balances (all time, from the ledger)">
      <table className="w-full text-left text-sm" data-testid="affiliate-balances">
        <thead className="text-xs uppercase text-slate-500">
          <tr><th className="p-2">Currency</th><th className="p-2 text-right">Pending</th><th className="p-2 text-right">Held</th><th className="p-2 text-right">Available</th><th className="p-2 text-right">In payment</th><th className="p-2 text-right">Paid</th></tr>
        </thead>
        <tbody>
          {p.balances.map((b) => (
            <tr key={b.currency} className="border-t border-slate-100">
              <td className="p-2">{b.currency}</td>
              <td className="p-2 text-right">{formatMoney(b.pending_minor, b.currency)}</td>
              <td className="p-2 text-right">{formatMoney(b.held_minor, b.currency)}</td>
              <td className="p-2 text-right">{formatMoney(b.available_minor, b.currency)}</td>
              <td className="p-2 text-right">{formatMoney(b.in_payment_minor, b.currency)}</td>
              <td className="p-2 text-right">{formatMoney(b.paid_minor, b.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function TierCard({ profile: p }: { profile: AffiliateProfile }) {
  const t = p.tier;
  return (
    <Card title="Tier">
      <p className="text-sm">
        <strong>{TIER_NAMES[t.tier]}</strong> on {formatMoney(t.earnings_minor, t.currency)} approved in the last 90 days
        {t.next_tier && t.next_threshold_minor !== null && <>; {TIER_NAMES[t.next_tier]} from {formatMoney(t.next_threshold_minor, t.currency)}</>}.
      </p>
      {t.history.length > 0 && (
        <ul className="mt-2 text-xs text-slate-600">
          {t.history.map((c, i) => <li key={i}>{formatDate(c.created_at)}: {TIER_NAMES[c.previous]} → {TIER_NAMES[c.tier]}</li>)}
        </ul>
      )}
    </Card>
  );
}

function Network({ profile: p }: { profile: AffiliateProfile }) {
  const up = p.summary.referred_by;
  return (
    <Card title="Network">
      <p className="text-sm">{up ? <>Referred by <Link className="text-indigo-700 underline" to={`/app/affiliates/${up.id}`}>{up.name}</Link>.</> : "Joined directly, not through a referral."}</p>
      {p.referrals.length > 0 ? (
        <ul className="mt-2 text-sm" data-testid="affiliate-referrals">
          {p.referrals.map((m) => (
            <li key={m.id}><Link className="text-indigo-700 underline" to={`/app/affiliates/${m.id}`}>{m.name}</Link> · joined {formatDay(m.joined_at)}{m.status === "suspended" && " · suspended"}</li>
          ))}
        </ul>
      ) : <p className="mt-2 text-sm text-slate-600">Has brought no one in yet.</p>}
    </Card>
  );
}

function Holds({ profile: p }: { profile: AffiliateProfile }) {
  return (
    <Card title="Fraud history">
      <div className="text-sm"><HoldsSummary holds={p.summary.holds} /></div>
      {p.holds.length > 0 && (
        <ul className="mt-2 divide-y divide-slate-100 text-sm" data-testid="affiliate-holds">
          {p.holds.map((h) => (
            <li key={h.id} className="py-2">
              Order <span className="font-mono">{h.order_id}</span> · {formatMoney(h.sale_minor, h.currency)} · {formatDate(h.created_at)} · {HOLD_WORDS[h.status]}
              <ul className="list-disc pl-5 text-slate-700">{h.explained.map((why, i) => <li key={i}>{why}</li>)}</ul>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Commissions({ profile: p }: { profile: AffiliateProfile }) {
  return (
    <Card title="Latest commissions">
      {p.commissions.length === 0 ? <p className="text-sm text-slate-600">None yet.</p> : (
        <div className="relative overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="affiliate-commissions">
            <thead className="text-xs uppercase text-slate-500">
              <tr><th className="p-2">When</th><th className="p-2">Order</th><th className="p-2">Product</th><th className="p-2">Kind</th><th className="p-2 text-right">Amount</th><th className="p-2">State</th></tr>
            </thead>
            <tbody>
              {p.commissions.map((c) => (
                <tr key={c.id} className="border-t border-slate-100">
                  <td className="p-2">{formatDate(c.created_at)}</td>
                  <td className="p-2 font-mono">{c.order_id}</td>
                  <td className="p-2">{c.product_title ?? "—"}</td>
                  <td className="p-2">{c.kind === "override" ? `Referral override, level ${c.level}` : "Commission"}</td>
                  <td className="p-2 text-right">{formatMoney(c.amount_minor - c.reversed_minor, c.currency)}</td>
                  <td className="p-2">{c.state}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function Payouts({ profile: p }: { profile: AffiliateProfile }) {
  return (
    <Card title="Payouts">
      {p.payouts.length === 0 ? <p className="text-sm text-slate-600">No payouts yet.</p> : (
        <ul className="text-sm" data-testid="affiliate-payouts">
          {p.payouts.map((i) => (
            <li key={i.id}>{formatDate(i.created_at)} · <span className="font-mono">{i.reference}</span> · {formatMoney(i.amount_minor, i.currency)} · {i.status}{i.settled_at && `, settled ${formatDate(i.settled_at)}`}</li>
          ))}
        </ul>
      )}
    </Card>
  );
}
