// A vendor's products with their vetting status (a tenant admin sees every vendor's).
import { useState } from "react";
import { Link } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Select } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { count, formatDate, formatMoney } from "../../../lib/format";
import { useProductStats } from "../api/get-product-stats";
import { useProducts } from "../api/get-products";
import type { ProductStatus } from "../types";
import { commissionText, GradeBadge, StatusBadge } from "./parts";

const STATUSES = [
  { value: "", label: "Any status" },
  { value: "pending", label: "Waiting for review" },
  { value: "approved", label: "Approved" },
  { value: "rejected", label: "Rejected" },
  { value: "archived", label: "Archived" },
];

export function MyProductsPage() {
  const { me } = useAuth();
  const [status, setStatus] = useState<ProductStatus | "">("");
  const list = useProducts(status);
  const vendor = me?.role === "vendor";
  const span = { start: new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10), end: new Date().toISOString().slice(0, 10) };
  const stats = useProductStats(span, vendor);
  const byProduct = new Map((stats.data ?? []).map((s) => [s.id, s]));
  return (
    <Card level={1} title={me?.role === "tenant_admin" ? "All products" : "My products"}
      actions={me?.role === "vendor" ? <Link to="/app/products/new" className="rounded-md bg-brand px-4 py-2 text-sm font-medium text-white">List a product</Link> : undefined}>
      <div className="mb-4 max-w-xs">
        <Select label="Status" hideLabel name="status" value={status} options={STATUSES} onChange={(e) => setStatus(e.target.value as ProductStatus | "")} />
      </div>
      <QueryState query={list} empty={<>{me?.role === "vendor" ? "No products yet: list your first one." : "No products."}</>}>
        {(rows) => (
          <ul className="divide-y divide-slate-100" data-testid="my-products">
            {rows.map((p) => (
              <li key={p.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
                <div className="flex flex-col">
                  <Link to={`/app/products/${p.id}`} className="font-medium text-brand underline">{p.title}</Link>
                  <span className="text-xs text-slate-500">
                    {formatMoney(p.price_minor, p.currency)} · {commissionText(p)} · submitted {formatDate(p.submitted_at)}
                    {me?.role === "tenant_admin" && ` · ${p.vendor_name}`}
                  </span>
                  {p.status === "rejected" && <span className="text-xs text-red-700">Rejected: {p.rejection_reason}</span>}
                  {vendor && byProduct.has(p.id) && (() => {
                    const s = byProduct.get(p.id)!;
                    return (
                      <span className="text-xs text-slate-600" data-testid="product-stats">
                        Last 30 days: {count(s.clicks, "click")} · {count(s.sales, "sale")} · {formatMoney(s.sales_minor, p.currency)} revenue · {formatMoney(s.commission_minor, p.currency)} commission
                      </span>
                    );
                  })()}
                </div>
                <span className="flex items-center gap-2"><GradeBadge grade={p.grade} /><StatusBadge status={p.status} /></span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {list.hasNextPage && <Button variant="secondary" className="mt-3" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>}
    </Card>
  );
}
