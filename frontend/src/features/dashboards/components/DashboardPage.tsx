// Dashboards over a range of days: an affiliate's traffic and earnings, a vendor's sales and
// commissions owed, an admin's program totals and queues. Charts by Recharts; every money
// figure also appears (from the same rows, or the ledger) on the commissions and sales pages.
import { useState, type ComponentType } from "react";
import { Link as RouterLink } from "react-router";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { QueryState } from "../../../components/QueryState";
import { lastDays, RangePicker } from "../../../components/DayRange";
import { ExportButton } from "../../../components/ExportButton";
import { ChartTable } from "../../../components/ChartTable";
import { DayLines, type Series } from "../../../components/DayLines";
import { Tile, Tiles } from "../../../components/Tiles";
import { Card, EmptyState, PageTitle } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { useAuth } from "../../../lib/auth/session";
import { bpsToPercent, count, formatMoney } from "../../../lib/format";
import { useAdminDashboard } from "../api/get-admin-dashboard";
import { useAffiliateDashboard } from "../api/get-affiliate-dashboard";
import { useVendorDashboard } from "../api/get-vendor-dashboard";
import { LiveTicker } from "./LiveTicker";
import type { Span } from "../types";

/** What an affiliate's dashboard shows to promote next (the search feature's recommendations). */
export type RecommendedSlot = ComponentType;

export function DashboardPage({ Recommended }: { Recommended?: RecommendedSlot }) {
  const { me } = useAuth();
  const [span, setSpan] = useState<Span>(lastDays(30));
  if (!me) return null;
  return (
    <div className="flex flex-col gap-6">
      <PageTitle>Dashboard</PageTitle>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <RangePicker span={span} onChange={setSpan} />
        {me.role !== "platform_admin" && <ExportButton path="/api/v1/dashboards/clicks/export" filters={{ start: span.start, end: span.end }} label="Export clicks per link and day" />}
      </div>
      <LiveTicker />
      {me.role === "affiliate" && <AffiliateBoard span={span} onSpan={setSpan} />}
      {me.role === "affiliate" && Recommended && <Recommended />}
      {me.role === "vendor" && <VendorBoard span={span} onSpan={setSpan} />}
      {me.role === "tenant_admin" && <AdminBoard span={span} onSpan={setSpan} />}
    </div>
  );
}

// Money figures are in one currency at a time; the picker appears once sales can be in more.
function CurrencyPicker({ span, onSpan, shown, currencies }: { span: Span; onSpan: (s: Span) => void; shown: string; currencies: string[] }) {
  if (currencies.length < 2) return null;
  return (
    <label className="flex items-center gap-2 text-sm" data-testid="currency-picker">
      <span className="text-slate-600">Money in</span>
      <select name="currency" className="rounded-md border border-slate-300 px-2 py-1" value={shown} onChange={(e) => onSpan({ ...span, currency: e.target.value })}>
        {currencies.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
    </label>
  );
}

type BoardProps = { span: Span; onSpan: (s: Span) => void };

const TRAFFIC: Series[] = [
  ["clicks_raw", "Raw clicks", "#94a3b8"],
  ["clicks", "Clicks", "var(--brand, #4f46e5)"],
  ["unique_clicks", "Unique", "#0ea5e9"],
  ["conversions", "Conversions", "#16a34a"],
];

function MoneyChart({ data, currency, bars }: { data: object[]; currency: string; bars: [string, string, string][] }) {
  return (
    <div>
      <div className="h-56 w-full" data-testid="money-chart" role="img" aria-label="Money by day (chart; the figures are in the table below)">
        <ResponsiveContainer>
          <BarChart data={data} margin={{ left: 8, right: 8, top: 8 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" tick={{ fontSize: 11 }} />
            <YAxis tick={{ fontSize: 11 }} tickFormatter={(v: number) => formatMoney(v, currency)} width={80} />
            <Tooltip formatter={(v) => formatMoney(Number(v), currency)} />
            <Legend />
            {bars.map(([key, name, color]) => <Bar key={key} dataKey={key} name={name} fill={color} />)}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ChartTable caption="Money by day" rows={data} columns={bars.map(([key, name]) => [key, name])} format={(v) => formatMoney(v, currency)} />
    </div>
  );
}

type TrafficRow = Schemas["Traffic"] & { id: string; label: string };
const HEADS: Record<string, string> = { links: "Link", products: "Product", campaigns: "Campaign" };

function TrafficTable({ rows, currency, what }: { rows: TrafficRow[]; currency: string; what: string }) {
  if (rows.length === 0) return <EmptyState>No {what} in this range.</EmptyState>;
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid={`${what}-table`}>
        <thead className="text-xs uppercase text-slate-500">
          <tr><th className="py-2 pr-3">{HEADS[what]}</th><th className="pr-3 text-right">Clicks</th><th className="pr-3 text-right">Raw</th><th className="pr-3 text-right">Unique</th><th className="pr-3 text-right">Conversions</th><th className="pr-3 text-right">Rate</th><th className="pr-3 text-right">Earnings</th><th className="text-right">EPC</th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r.id}>
              <td className="py-2 pr-3">{r.label}</td>
              <td className="pr-3 text-right">{r.clicks}</td>
              <td className="pr-3 text-right">{r.clicks_raw}</td>
              <td className="pr-3 text-right">{r.unique_clicks}</td>
              <td className="pr-3 text-right">{r.conversions}</td>
              <td className="pr-3 text-right">{bpsToPercent(r.conversion_rate_bps)}</td>
              <td className="pr-3 text-right">{formatMoney(r.earnings_minor, currency)}</td>
              <td className="text-right">{formatMoney(r.epc_minor, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const REGIONS = new Intl.DisplayNames(["en"], { type: "region" });

// Clicks by the visitor's country (a trusted proxy's header, or the address looked up offline).
function CountryTable({ rows }: { rows: Schemas["CountryClicks"][] }) {
  if (rows.length === 0) return <EmptyState>No clicks in this range.</EmptyState>;
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="countries-table">
        <thead className="text-xs uppercase text-slate-500">
          <tr><th className="py-2 pr-3">Country</th><th className="pr-3 text-right">Clicks</th><th className="pr-3 text-right">Raw</th><th className="text-right">Unique</th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r.country ?? "unknown"}>
              <td className="py-2 pr-3">{r.country ? `${REGIONS.of(r.country) ?? r.country} (${r.country})` : "Unknown"}</td>
              <td className="pr-3 text-right">{r.clicks}</td>
              <td className="pr-3 text-right">{r.clicks_raw}</td>
              <td className="text-right">{r.unique_clicks}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AffiliateBoard({ span, onSpan }: BoardProps) {
  const board = useAffiliateDashboard(span);
  return <QueryState query={board}>{(d) => <AffiliateView d={d} span={span} onSpan={onSpan} />}</QueryState>;
}

function AffiliateView({ d, span, onSpan }: BoardProps & { d: Schemas["AffiliateDashboard"] }) {
  const t = d.totals;
  const m = (v: number) => formatMoney(v, d.currency);
  return (
    <>
      <CurrencyPicker span={span} onSpan={onSpan} shown={d.currency} currencies={d.currencies} />
      <Card title="Traffic and earnings">
        <Tiles>
          <Tile label="Clicks" value={t.clicks} hint={`${t.clicks_raw} raw, ${t.clicks_raw - t.clicks} from bots`} testId="dash-clicks" />
          <Tile label="Unique clicks" value={t.unique_clicks} testId="dash-unique" />
          <Tile label="Conversions" value={t.conversions} hint={`${bpsToPercent(t.conversion_rate_bps)} of clicks`} testId="dash-conversions" />
          <Tile label="Earnings" value={m(t.earnings_minor)} hint="in this range, net of refunds" testId="dash-earnings" />
          <Tile label="EPC" value={m(t.epc_minor)} hint="earnings per click" testId="dash-epc" />
        </Tiles>
        <div className="mt-4"><DayLines days={d.days} series={TRAFFIC} testId="traffic-chart" caption="Traffic by day" /></div>
        <MoneyChart data={d.days} currency={d.currency} bars={[["earnings_minor", "Earnings", "#16a34a"]]} />
      </Card>
      <Card title="Balances (from the ledger, all time)">
        <Tiles>
          <Tile label="Pending" value={m(d.balances.pending_minor)} testId="dash-pending" />
          <Tile label="Held" value={m(d.balances.held_minor)} testId="dash-held" />
          <Tile label="Available" value={m(d.balances.available_minor)} testId="dash-available" />
          <Tile label="In payment" value={m(d.balances.in_payment_minor)} testId="dash-in-payment" />
          <Tile label="Paid" value={m(d.balances.paid_minor)} testId="dash-paid" />
        </Tiles>
      </Card>
      <Card title="By link"><TrafficTable rows={d.links} currency={d.currency} what="links" /></Card>
      <CampaignCard rows={d.campaigns} currency={d.currency} />
      <Card title="By product"><TrafficTable rows={d.products} currency={d.currency} what="products" /></Card>
      <Card title="Clicks by country"><CountryTable rows={d.countries} /></Card>
    </>
  );
}

function VendorBoard({ span, onSpan }: BoardProps) {
  const board = useVendorDashboard(span);
  return <QueryState query={board}>{(d) => <VendorView d={d} span={span} onSpan={onSpan} />}</QueryState>;
}

function VendorView({ d, span, onSpan }: BoardProps & { d: Schemas["VendorDashboard"] }) {
  const m = (v: number) => formatMoney(v, d.currency);
  return (
    <>
      <CurrencyPicker span={span} onSpan={onSpan} shown={d.currency} currencies={d.currencies} />
      <Card title="Sales and commissions">
        <Tiles>
          <Tile label="Sales" value={d.sales} testId="dash-sales" />
          <Tile label="Revenue" value={m(d.sales_minor)} hint={`${m(d.refunded_minor)} refunded`} testId="dash-revenue" />
          <Tile label="Commission owed" value={m(d.commission_minor)} hint="for this range's sales" testId="dash-commission" />
          <Tile label="Receivable" value={m(d.receivable_minor)} hint="all time, from the ledger" testId="dash-receivable" />
        </Tiles>
        <div className="mt-4">
          <MoneyChart data={d.days} currency={d.currency} bars={[["sales_minor", "Revenue", "#4f46e5"], ["commission_minor", "Commission", "#f59e0b"]]} />
        </div>
      </Card>
      <Card title="By product">
        {d.products.length === 0 ? <EmptyState>No sales or clicks in this range.</EmptyState> : (
          <div className="relative overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="vendor-products">
              <thead className="text-xs uppercase text-slate-500">
                <tr><th className="py-2 pr-3">Product</th><th className="pr-3 text-right">Clicks</th><th className="pr-3 text-right">Sales</th><th className="pr-3 text-right">Revenue</th><th className="pr-3 text-right">Refunded</th><th className="text-right">Commission owed</th></tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {d.products.map((p) => (
                  <tr key={p.id}>
                    <td className="py-2 pr-3"><RouterLink className="underline" to={`/app/products/${p.id}`}>{p.title}</RouterLink></td>
                    <td className="pr-3 text-right">{p.clicks}</td>
                    <td className="pr-3 text-right">{p.sales}</td>
                    <td className="pr-3 text-right">{m(p.sales_minor)}</td>
                    <td className="pr-3 text-right">{m(p.refunded_minor)}</td>
                    <td className="text-right">{m(p.commission_minor)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Clicks by country"><CountryTable rows={d.countries} /></Card>
    </>
  );
}

function AdminBoard({ span, onSpan }: BoardProps) {
  const board = useAdminDashboard(span);
  return <QueryState query={board}>{(d) => <AdminView d={d} span={span} onSpan={onSpan} />}</QueryState>;
}

function AdminView({ d, span, onSpan }: BoardProps & { d: Schemas["AdminDashboard"] }) {
  const t = d.totals;
  const m = (v: number) => formatMoney(v, d.currency);
  return (
    <>
      <CurrencyPicker span={span} onSpan={onSpan} shown={d.currency} currencies={d.currencies} />
      <Card title="Program">
        <Tiles>
          <Tile label="Clicks" value={t.clicks} hint={`${t.clicks_raw} raw`} testId="dash-clicks" />
          <Tile label="Conversions" value={t.conversions} hint={`${bpsToPercent(t.conversion_rate_bps)} of clicks`} testId="dash-conversions" />
          <Tile label="Sales" value={m(d.sales_minor)} testId="dash-revenue" />
          <Tile label="Commissions" value={m(t.earnings_minor)} hint="affiliates and uplines" testId="dash-earnings" />
          <Tile label="Platform fees" value={m(d.fees_minor)} hint={`${m(d.fees_balance_minor)} on the ledger, all time`} testId="dash-fees" />
        </Tiles>
        <div className="mt-4"><DayLines days={d.days} series={TRAFFIC} testId="traffic-chart" caption="Traffic by day" /></div>
      </Card>
      <Card title="Queues">
        <Tiles>
          <Tile label="Vetting" value={<RouterLink className="underline" to="/app/vetting">{d.vetting_queue}</RouterLink>} hint="products waiting" testId="dash-vetting" />
          <Tile label="Fraud" value={<RouterLink className="underline" to="/app/fraud">{d.fraud_queue}</RouterLink>} hint="sales held" testId="dash-fraud" />
          <Tile label="Payouts" value={<RouterLink className="underline" to="/app/payout-batches">{d.payouts_in_payment}</RouterLink>} hint="in payment" testId="dash-payouts" />
        </Tiles>
      </Card>
      <Card title="Top affiliates">
        {d.leaders.length === 0 ? <EmptyState>No commissions in this range.</EmptyState> : (
          <ol className="divide-y divide-slate-100 text-sm" data-testid="leaders">
            {d.leaders.map((l, i) => (
              <li key={l.affiliate_id} className="flex justify-between gap-2 py-2">
                <span>{i + 1}. <RouterLink className="underline" to={`/app/affiliates/${l.affiliate_id}`}>{l.name}</RouterLink> · {count(l.clicks, "click")} · {count(l.conversions, "conversion")}</span>
                <strong>{m(l.earnings_minor)}</strong>
              </li>
            ))}
          </ol>
        )}
      </Card>
      <CampaignCard rows={d.campaigns} currency={d.currency} />
      <Card title="Clicks by country"><CountryTable rows={d.countries} /></Card>
    </>
  );
}

/** Links added up by their campaign (`utm_campaign`): an affiliate's own, or the programme's. */
function CampaignCard({ rows, currency }: { rows: Schemas["CampaignRow"][]; currency: string }) {
  return (
    <Card title="By campaign">
      <TrafficTable currency={currency} what="campaigns"
        rows={rows.map((c) => ({ ...c, id: c.campaign ?? "", label: `${c.campaign ?? "No campaign"} (${count(c.links, "link")})` }))} />
    </Card>
  );
}
