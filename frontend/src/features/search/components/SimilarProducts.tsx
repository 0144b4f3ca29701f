// "Similar products" beside a product: the marketplace's closest in meaning.
import { QueryState } from "../../../components/QueryState";
import { Card } from "../../../components/ui";
import { useSimilarProducts } from "../api/get-similar-products";
import { ProductTile } from "./parts";

export function SimilarProducts({ productId }: { productId: string }) {
  const similar = useSimilarProducts(productId);
  return (
    <Card title="Similar products">
      <QueryState query={similar} empty="No similar products yet.">
        {(rows) => (
          <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" data-testid="similar-products">
            {rows.map((r) => <ProductTile key={r.product.id} product={r.product} />)}
          </div>
        )}
      </QueryState>
    </Card>
  );
}
