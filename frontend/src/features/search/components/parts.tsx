// Search's small parts: the badge saying why a product matched, and a compact product tile
// (the catalog's full card is passed in where the marketplace shows results).
import { Link } from "react-router";
import { Badge } from "../../../components/ui";
import { formatMoney } from "../../../lib/format";
import type { Match, SearchedProduct } from "../types";

const MATCHES: Record<Match, { label: string; title: string; tone: "green" | "amber" | "slate" }> = {
  both: { label: "Words + meaning", title: "Matches your words and what you mean", tone: "green" },
  keyword: { label: "Words", title: "Matches your words", tone: "slate" },
  semantic: { label: "Meaning", title: "Matches what you mean, in other words", tone: "amber" },
};

export function MatchBadge({ match }: { match: Match }) {
  const m = MATCHES[match];
  return <span title={m.title} data-testid="match-badge" data-match={match}><Badge tone={m.tone}>{m.label}</Badge></span>;
}

/** A product in brief, opening its page, or `onOpen` instead when given. */
export function ProductTile({ product, onOpen }: { product: SearchedProduct; onOpen?: (id: string) => void }) {
  const className = "flex flex-col gap-1 rounded-lg border border-slate-200 bg-white p-3 text-left shadow-sm hover:shadow-md";
  const Title = onOpen ? "span" : "h3"; // a button holds no heading
  const body = (
    <>
      <Title className="font-semibold leading-tight">{product.title}</Title>
      <p className="text-xs text-slate-500">{product.category}</p>
      <p className="text-sm">{formatMoney(product.price_minor, product.currency)}</p>
      <p className="text-sm font-medium text-green-700">Earn {formatMoney(product.commission.per_sale_minor, product.currency)} a sale{product.commission.group && <> ({product.commission.group})</>}</p>
    </>
  );
  return onOpen ? (
    <button type="button" onClick={() => onOpen(product.id)} className={className} data-testid="product-tile">{body}</button>
  ) : (
    <Link to={`/app/products/${product.id}`} className={className} data-testid="product-tile">{body}</Link>
  );
}
