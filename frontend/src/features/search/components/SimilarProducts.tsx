// "Similar products" beside a product: the marketplace's closest in meaning, each opening its
// own page, or where the product is shown (`onOpen`: the marketplace's drawer).
import { QueryState } from "../../../components/QueryState";
import { Card } from "../../../components/ui";
import { useSimilarProducts } from "../api/get-similar-products";
import { ProductTile } from "./parts";

export function SimilarProducts({ productId, onOpen }: { productId: string; onOpen?: (id: string) => void }) {
  const similar = useSimilarProducts(productId);
  return (
    <Card title="Similar products">
      <QueryState query={similar} empty="No similar products yet.">
        {(rows) => (
          <div className="@container">
            {/* as many columns as the card's width holds: four on a product's page, two in a drawer */}
            <div className="grid gap-3 @sm:grid-cols-2 @3xl:grid-cols-4" data-testid="similar-products">
              {rows.map((r) => <ProductTile key={r.product.id} product={r.product} onOpen={onOpen} />)}
            </div>
          </div>
        )}
      </QueryState>
    </Card>
  );
}
