// One subscription: its first sale and every renewal, with what each earned and why not.
import { Link as RouterLink, useParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Card, PageTitle } from "../../../components/ui";
import { count, formatDate, formatMoney } from "../../../lib/format";
import { useSubscription } from "../api/get-subscription";
import { ConversionStateBadge, SaleLabel, UNATTRIBUTED } from "./parts";

export function SubscriptionPage() {
  const { id = "" } = useParams();
  const subscription = useSubscription(id);
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>Subscription {id}</PageTitle>
      <p className="text-sm"><RouterLink className="underline" to="/app/sales">Back to sales</RouterLink></p>
      <QueryState query={subscription}>
        {(s) => (
          <Card title="Renewals">
            <p className="mb-3 text-sm text-slate-600" data-testid="subscription-summary">
              Started {formatDate(s.started_at)} · {count(s.renewals, "renewal")}, {s.renewals_earned} with a commission
              {s.affiliate_id === null && " · not referred by an affiliate"}
            </p>
            <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Sales of this subscription">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr><th className="py-2 pr-3">Payment</th><th className="pr-3">Order</th><th className="pr-3">When</th><th className="pr-3 text-right">Amount</th><th className="pr-3 text-right">Commission</th><th>State</th></tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {s.sales.map((sale) => (
                    <tr key={sale.id} data-testid="subscription-sale">
                      <td className="py-2 pr-3"><SaleLabel sale={sale} /></td>
                      <td className="pr-3">{sale.order_id}</td>
                      <td className="pr-3 whitespace-nowrap">{formatDate(sale.created_at)}</td>
                      <td className="pr-3 text-right">{formatMoney(sale.amount_minor, sale.currency)}</td>
                      <td className="pr-3 text-right">
                        {sale.attribution === "none"
                          ? <span className="text-xs text-slate-500">none: {sale.unattributed_reason ? UNATTRIBUTED[sale.unattributed_reason] : "—"}</span>
                          : formatMoney(sale.pool_minor, sale.currency)}
                      </td>
                      <td><ConversionStateBadge state={sale.state} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        )}
      </QueryState>
    </div>
  );
}
