// On a product (its page, the marketplace's drawer): a way into the content generator with the
// product chosen.
import { Link } from "react-router";
import { Card } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";

export function WritePostCard({ product }: { product: Pick<Schemas["ProductRead"], "id" | "title"> }) {
  return (
    <Card title="Marketing content">
      <p className="text-sm text-slate-600">
        Write a post about {product.title} for X, LinkedIn, Instagram and more, with your short link in it.{" "}
        <Link className="font-medium text-brand underline" to={`/app/content?product=${product.id}`}>Write a post</Link>
      </p>
    </Card>
  );
}
