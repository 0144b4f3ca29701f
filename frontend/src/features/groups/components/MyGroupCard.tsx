// Affiliates (injected into their payouts page by the router): the group they are in and what it
// means for them: the rate or amount their new sales earn, on which products, and their threshold.
import { Card } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { formatDate } from "../../../lib/format";
import { useMyGroup } from "../api/get-my-group";
import { ruleText, thresholdText } from "./words";

export function MyGroupCard() {
  const mine = useMyGroup();
  const { me } = useAuth();
  const g = mine.data;
  if (!g) return null; // in no group (or still loading): the programme's terms apply
  const currency = me?.tenant.default_currency ?? "USD";
  const products = g.products.length === 0 ? "every product" : g.products.map((p) => p.name).join(", ");
  return (
    <Card title="Your group">
      <div className="flex flex-col gap-2 text-sm" data-testid="my-group">
        <p><strong>{g.name}</strong> since {formatDate(g.since)}{g.description && <> · {g.description}</>}</p>
        <p>
          {g.commission_bps === null && g.commission_fixed_minor === null
            ? "Your sales earn by the programme's usual rates."
            : <>Your new sales earn <strong>{ruleText(g, currency)}</strong> on {products}.</>}
        </p>
        {g.payout_threshold_minor !== null && (
          <p>You are paid once <strong>{thresholdText(g, currency)}</strong> is available.</p>
        )}
      </div>
    </Card>
  );
}
