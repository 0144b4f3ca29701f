// "Recommended for you" on an affiliate's dashboard: products like the ones they promote and
// sell, then the organisation's best earners per click; never one they already promote.
import { QueryState } from "../../../components/QueryState";
import { Card } from "../../../components/ui";
import { useRecommendations } from "../api/get-recommendations";
import { ProductTile } from "./parts";

export function RecommendedForYou() {
  const recs = useRecommendations();
  return (
    <Card title="Recommended for you">
      <QueryState query={recs} empty="Nothing to recommend yet: the marketplace is empty.">
        {(rows) => (
          <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" data-testid="recommendations">
            {rows.map((r) => (
              <div key={r.product.id} className="flex flex-col gap-1">
                <span className="text-xs text-slate-500">{r.reason === "similar" ? "Like what you promote" : "Top earner per click"}</span>
                <ProductTile product={r.product} />
              </div>
            ))}
          </div>
        )}
      </QueryState>
    </Card>
  );
}
