// Tenant admins: the affiliate directory. Each affiliate with the range's clicks, sales and
// earnings, balances from the ledger, tier, network and fraud history; a name opens the profile.
import { useState, type ComponentType } from "react";
import { Link, useSearchParams } from "react-router";
import { lastDays, RangePicker } from "../../../components/DayRange";
import { ExportButton } from "../../../components/ExportButton";
import { QueryState } from "../../../components/QueryState";
import { Badge, Button, Card, PageTitle, Select } from "../../../components/ui";
import { bpsToPercent, count, formatDay, formatMoney, formatNumber } from "../../../lib/format";
import { useAffiliates } from "../api/get-affiliates";
import type { AffiliateSummary, DirectoryFilter } from "../types";
import { TIER_NAMES } from "./words";

const STATUSES = [
  { value: "", label: "Everyone" },
  { value: "active", label: "Active" },
  { value: "suspended", label: "Suspended" },
];

/** A select of the organisation's groups (the groups feature's): "" is any group. */
export type GroupFilterSlot = ComponentType<{ value: string; onChange: (groupId: string) => void }>;

export function AffiliatesPage({ GroupFilter }: { GroupFilter?: GroupFilterSlot }) {
  const [fields, setFields] = useState<Omit<DirectoryFilter, "group">>({ ...lastDays(30), q: "", status: "" });
  // the group lives in the address, so a group's member count can link to its members
  const [params, setParams] = useSearchParams();
  const filter: DirectoryFilter = { ...fields, group: params.get("group") ?? "" };
  const setFilter = ({ group, ...rest }: DirectoryFilter) => {
    setFields(rest);
    if (group !== filter.group) setParams(group ? { group } : {}, { replace: true });
  };
  const list = useAffiliates(filter);
  return (
    <div className="flex flex-col gap-6">
      <PageTitle>Affiliates</PageTitle>
      <RangePicker span={filter} onChange={setFilter} />
      <Card
        title="Directory"
        actions={
          <div className="flex flex-wrap items-center gap-2">
            <input aria-label="Search affiliates" placeholder="Search name or email" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm"
              value={filter.q} onChange={(e) => setFilter({ ...filter, q: e.target.value })} />
            <Select label="Status" hideLabel name="status" value={filter.status} options={STATUSES}
              onChange={(e) => setFilter({ ...filter, status: e.target.value as DirectoryFilter["status"] })} />
            {GroupFilter && <GroupFilter value={filter.group} onChange={(group) => setFilter({ ...filter, group })} />}
            <ExportButton path="/api/v1/affiliates/export" filters={{ start: filter.start, end: filter.end, q: filter.q, status: filter.status, group_id: filter.group }} />
          </div>
        }
      >
        <p className="mb-3 text-sm text-slate-600">
          Clicks, sales and earnings are for {formatDay(filter.start)} to {formatDay(filter.end)}; balances are all time, from the ledger.
        </p>
        <QueryState query={list} empty={filter.q || filter.status || filter.group ? "No affiliate matches." : "No affiliates yet: share your join page or invite someone."}>
          {(rows) => (
            <div className="relative overflow-x-auto">
              <table className="w-full text-left text-sm" data-testid="affiliates">
                <caption className="sr-only">Affiliates with their figures</caption>
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="p-2">Affiliate</th>
                    <th className="p-2">Group</th>
                    <th className="p-2">Tier</th>
                    <th className="p-2 text-right">Clicks</th>
                    <th className="p-2 text-right">Sales</th>
                    <th className="p-2 text-right">Earned</th>
                    <th className="p-2 text-right">Pending</th>
                    <th className="p-2 text-right">Available</th>
                    <th className="p-2 text-right">Paid</th>
                    <th className="p-2">Network</th>
                    <th className="p-2">Fraud holds</th>
                  </tr>
                </thead>
                <tbody>{rows.map((a) => <AffiliateRow key={a.id} affiliate={a} />)}</tbody>
              </table>
            </div>
          )}
        </QueryState>
        {list.hasNextPage && <Button variant="secondary" className="mt-3" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>}
      </Card>
    </div>
  );
}

function AffiliateRow({ affiliate: a }: { affiliate: AffiliateSummary }) {
  const cur = a.balances.currency;
  return (
    <tr className="border-t border-slate-100 align-top" data-testid={`affiliate-row-${a.email}`}>
      <td className="p-2">
        <Link to={`/app/affiliates/${a.id}`} className="font-medium text-indigo-700 underline">{a.name}</Link>
        <div className="break-all text-xs text-slate-500">{a.email}</div>
        {a.status === "suspended" && <Badge tone="red">suspended</Badge>}
      </td>
      <td className="p-2">{a.group?.name ?? "—"}</td>
      <td className="p-2">{TIER_NAMES[a.tier]}</td>
      <td className="p-2 text-right">{formatNumber(a.clicks)}</td>
      <td className="p-2 text-right">
        {formatNumber(a.conversions)}
        <div className="text-xs text-slate-500">{formatMoney(a.sales_minor, cur)} · {bpsToPercent(a.conversion_rate_bps)} of clicks</div>
      </td>
      <td className="p-2 text-right">{formatMoney(a.earnings_minor, cur)}</td>
      <td className="p-2 text-right">{formatMoney(a.balances.pending_minor + a.balances.held_minor, cur)}</td>
      <td className="p-2 text-right">{formatMoney(a.balances.available_minor, cur)}</td>
      <td className="p-2 text-right">{formatMoney(a.balances.paid_minor, cur)}</td>
      <td className="p-2 text-xs">
        {a.referred_by ? <>Referred by {a.referred_by.name}</> : <>Joined directly</>}
        {a.referrals > 0 && <div>Brought in {count(a.referrals, "member")}</div>}
      </td>
      <td className="p-2 text-xs"><HoldsSummary holds={a.holds} /></td>
    </tr>
  );
}

export function HoldsSummary({ holds }: { holds: AffiliateSummary["holds"] }) {
  const total = holds.open + holds.approved + holds.rejected;
  if (total === 0) return <>None</>;
  return (
    <>
      {holds.open > 0 && <div><Badge tone="amber">{holds.open} under review</Badge></div>}
      {holds.rejected > 0 && <div>{holds.rejected} rejected</div>}
      {holds.approved > 0 && <div>{holds.approved} approved</div>}
    </>
  );
}
