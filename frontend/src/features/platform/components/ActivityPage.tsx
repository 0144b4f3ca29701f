// Platform admin: every organisation's size and activity over a range of days, the platform's
// totals and its days. Read through the audited platform path; no organisation's user sees it.
import { useState } from "react";
import { DayLines, type Series } from "../../../components/DayLines";
import { lastDays, RangePicker, type DaySpan } from "../../../components/DayRange";
import { QueryState } from "../../../components/QueryState";
import { Tile, Tiles } from "../../../components/Tiles";
import { Badge, Card } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { formatDate, formatMoney } from "../../../lib/format";
import { useActivity } from "../api/get-activity";

type Money = Schemas["Money"];

const money = (rows: Money[], pick: (m: Money) => number) =>
  rows.length === 0 ? "—" : rows.map((m) => formatMoney(pick(m), m.currency)).join(" · ");

export function ActivityPage() {
  const [span, setSpan] = useState<DaySpan>(lastDays(30));
  const activity = useActivity(span);
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Platform activity</h1>
      <RangePicker span={span} onChange={setSpan} />
      <QueryState query={activity}>
        {(a) => (
          <>
            <Tiles>
              <Tile label="Organisations" value={a.totals.organisations} testId="platform-organisations" />
              <Tile label="Users" value={a.totals.users} hint={`${a.totals.new_users} joined in this range`} testId="platform-users" />
              <Tile label="Products" value={a.totals.products} hint="approved" />
              <Tile label="Clicks" value={a.totals.clicks} hint="human, in this range" testId="platform-clicks" />
              <Tile label="Sales" value={a.totals.sales} hint="in this range" testId="platform-sales" />
              <Tile label="Sales value" value={money(a.totals.money, (m) => m.sales_minor)} hint="net of refunds" />
              <Tile label="Commissions" value={money(a.totals.money, (m) => m.commissions_minor)} hint="earned by affiliates" />
              <Tile label="Platform fees" value={money(a.totals.money, (m) => m.fees_minor)} />
            </Tiles>
            <Card title="Growth">
              <DayLines days={a.days} series={GROWTH} testId="growth-chart" caption="Platform growth by day" />
            </Card>
            <Card title="Organisations">
              <OrganisationTable rows={a.organisations} />
            </Card>
          </>
        )}
      </QueryState>
    </div>
  );
}

const GROWTH: Series[] = [
  ["clicks", "Clicks", "var(--brand, #4f46e5)"],
  ["sales", "Sales", "#16a34a"],
  ["new_users", "New users", "#0ea5e9"],
  ["new_organisations", "New organisations", "#f59e0b"],
];

function OrganisationTable({ rows }: { rows: Schemas["OrganisationActivity"][] }) {
  const sorted = [...rows].sort((a, b) => b.sales - a.sales || b.clicks - a.clicks || a.name.localeCompare(b.name));
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="p-2">Organisation</th><th className="p-2">Since</th><th className="p-2">Users</th>
            <th className="p-2">Affiliates</th><th className="p-2">Vendors</th><th className="p-2">Products</th>
            <th className="p-2">Clicks</th><th className="p-2">Sales</th><th className="p-2">Sales value</th>
            <th className="p-2">Commissions</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((o) => (
            <tr key={o.id} className="border-t border-slate-100" data-testid={`activity-row-${o.slug}`}>
              <td className="p-2">
                {o.name} <span className="text-slate-500">({o.slug})</span>{" "}
                {o.status !== "active" && <Badge tone="red">{o.status}</Badge>}
              </td>
              <td className="p-2">{formatDate(o.created_at)}</td>
              <td className="p-2">{o.users}{o.new_users > 0 && <span className="text-xs text-green-700"> +{o.new_users}</span>}</td>
              <td className="p-2">{o.affiliates}</td>
              <td className="p-2">{o.vendors}</td>
              <td className="p-2">{o.products}</td>
              <td className="p-2" data-testid="activity-clicks">{o.clicks}</td>
              <td className="p-2" data-testid="activity-sales">{o.sales}</td>
              <td className="p-2">{money(o.money, (m) => m.sales_minor)}</td>
              <td className="p-2">{money(o.money, (m) => m.commissions_minor)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
