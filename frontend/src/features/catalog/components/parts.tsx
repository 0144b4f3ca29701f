// Pieces shared by the catalog pages: a product's card, its status and grade, its commission,
// its byline and terms.
import { Link } from "react-router";
import { Badge } from "../../../components/ui";
import { apiUrl } from "../../../lib/api/base";
import { bpsToPercent, count, formatMoney } from "../../../lib/format";
import type { Grade, Product, ProductStatus } from "../types";

const STATUS_TONE = { approved: "green", pending: "amber", rejected: "red", archived: "slate" } as const;
const STATUS_LABEL = { approved: "Approved", pending: "Waiting for review", rejected: "Rejected", archived: "Archived" } as const;

export function StatusBadge({ status }: { status: ProductStatus }) {
  return <Badge tone={STATUS_TONE[status]}>{STATUS_LABEL[status]}</Badge>;
}

export function GradeBadge({ grade }: { grade: Grade | null }) {
  if (!grade) return null;
  return (
    // said in words, not by the letter alone: "Grade A", with the scale on hover
    <span title="Grades run from S (best) to F (worst)" className="inline-flex items-center whitespace-nowrap rounded-full bg-slate-900 px-2 py-1 text-xs font-bold text-white" data-testid="grade">
      Grade {grade}
    </span>
  );
}

export function commissionText(p: Product): string {
  const c = p.commission;
  const per = formatMoney(c.per_sale_minor, p.currency);
  const rate = c.kind === "fixed" ? `${per} per sale` : `${bpsToPercent(c.bps ?? 0)} (${per} per sale)`;
  return c.group ? `${rate}, your ${c.group} rate` : rate;
}

export function ProductCard({ product }: { product: Product }) {
  const cover = product.images[0];
  return (
    <Link to={`/app/products/${product.id}`} className="flex flex-col overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm hover:shadow-md" data-testid="product-card">
      {cover ? (
        <img src={apiUrl(cover.url)} alt="" className="aspect-[4/3] w-full bg-slate-100 object-cover" loading="lazy" />
      ) : (
        <div className="flex aspect-[4/3] w-full items-center justify-center bg-slate-100 text-sm text-slate-600">{product.category}</div>
      )}
      <div className="flex flex-1 flex-col gap-1 p-3">
        <div className="flex items-start justify-between gap-2">
          <h2 className="font-semibold leading-tight">{product.title}</h2>
          <GradeBadge grade={product.grade} />
        </div>
        <p className="text-xs text-slate-500">{product.vendor_name} · {product.category}</p>
        <p className="text-sm">{formatMoney(product.price_minor, product.currency)}</p>
        <p className="text-sm font-medium text-green-700">Earn {commissionText(product)}</p>
        {product.epc_minor != null && <p className="text-xs text-slate-500" data-testid="epc">{formatMoney(product.epc_minor, product.currency)} earned per click</p>}
        {product.status !== "approved" && <span><StatusBadge status={product.status} /></span>}
      </div>
    </Link>
  );
}

/** Who sells the product, in which category, with which tags. */
export function Byline({ product: p }: { product: Product }) {
  return (
    <p className="text-xs text-slate-500">
      {p.vendor_name} · {p.category}{p.tags.length > 0 && ` · ${p.tags.map((t) => `#${t}`).join(" ")}`}
    </p>
  );
}

/** What an affiliate needs to decide: price, commission, cookie window, refund hold, landing page. */
export function Terms({ product: p }: { product: Product }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
      <dt className="text-slate-500">Price</dt><dd data-testid="price">{formatMoney(p.price_minor, p.currency)}</dd>
      <dt className="text-slate-500">Commission</dt><dd data-testid="commission">{commissionText(p)}{p.commission.is_default && " — program default"}</dd>
      <dt className="text-slate-500">Cookie window</dt><dd>{count(p.cookie_days, "day")}</dd>
      <dt className="text-slate-500">Refund hold</dt><dd>{count(p.refund_hold_days, "day")}</dd>
      <dt className="text-slate-500">Landing page</dt><dd className="break-all"><a className="text-brand underline" href={p.landing_url} target="_blank" rel="noreferrer noopener">{p.landing_url}</a></dd>
    </dl>
  );
}
