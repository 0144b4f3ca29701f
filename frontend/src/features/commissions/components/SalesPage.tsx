// A vendor's sales: every reported conversion with its attribution, the commission owed and
// its state; refunds (full or partial); the API keys that report sales; coupon codes.
// Tenant admins see every vendor's sales and may refund them.
import { useState, type FormEvent, type ComponentType, type ReactNode } from "react";
import { Link as RouterLink } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { ExportButton } from "../../../components/ExportButton";
import { Button, Card, ConfirmButton, Field, FormError, PageTitle, Select } from "../../../components/ui";
import { apiOrigin } from "../../../lib/api/base";
import type { Schemas } from "../../../lib/api/client";
import { useAuth } from "../../../lib/auth/session";
import { formatDate, formatMoney, fromMinor, toMinor } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useCreateCoupon } from "../api/create-coupon";
import { useConversions } from "../api/get-conversions";
import { useCouponProducts } from "../api/get-coupon-products";
import { useCoupons } from "../api/get-coupons";
import { useRefundConversion } from "../api/refund-conversion";
import { useRevokeCoupon } from "../api/revoke-coupon";
import type { Conversion } from "../types";
import { ConversionStateBadge, SaleLabel, UNATTRIBUTED } from "./parts";

/** The card that makes and lists API keys of one scope (the apikeys feature's). */
export type KeysCard = ComponentType<{
  title: string;
  scope: Schemas["ApiKeyCreate"]["scope"];
  usage: (secret: string) => ReactNode;
  children: ReactNode;
}>;

export function SalesPage({ KeysCard }: { KeysCard: KeysCard }) {
  const { me } = useAuth();
  const vendor = me?.role === "vendor";
  return (
    <div className="flex flex-col gap-6">
      <PageTitle>Sales</PageTitle>
      <SalesCard admin={!vendor} />
      {vendor && (
        <KeysCard title="Sales reporting keys" scope="conversions:write" usage={(secret) => <ReportExample secret={secret} />}>
          <p className="mb-4 text-sm text-slate-600">
            Your server reports each sale to <code>POST /api/v1/conversions</code> with one of these keys, passing the <code>bnx_cid</code> the
            link added to your landing page address (or the coupon code used). Test keys check and split a sale without storing it.
          </p>
        </KeysCard>
      )}
      {vendor && (
        <KeysCard title="Browser snippet keys" scope="conversions:browser" usage={(secret) => <SnippetExample secret={secret} />}>
          <p className="mb-4 text-sm text-slate-600">
            No server integration? Put <code>/sdk/bnx.js</code> on your site with a browser key: it remembers the click on the landing page
            and reports the sale from your thank-you page. A browser key can only report sales, and only from your products' sites.
          </p>
        </KeysCard>
      )}
      <CouponsCard />
    </div>
  );
}

function ReportExample({ secret }: { secret: string }) {
  const body = JSON.stringify({ order_id: "1001", amount_minor: 4900, currency: "USD", click_id: "<bnx_cid>" });
  return (
    <pre tabIndex={0} className="mt-3 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">
      {`curl -X POST ${apiOrigin()}/api/v1/conversions \\\n  -H "Authorization: Bearer ${secret}" \\\n  -H "Content-Type: application/json" \\\n  -d '${body}'`}
    </pre>
  );
}

function SnippetExample({ secret }: { secret: string }) {
  const origin = apiOrigin();
  return (
    <pre tabIndex={0} className="mt-3 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">
      {`<!-- every page -->\n<script src="${origin}/sdk/bnx.js" data-key="${secret}" async></script>\n\n<!-- thank-you page -->\n<script>\n  window.bnx = window.bnx || { q: [] };\n  bnx.q.push(["convert", { orderId: "1001", amountMinor: 4900, currency: "USD" }]);\n</script>`}
    </pre>
  );
}

function SalesCard({ admin }: { admin: boolean }) {
  const list = useConversions();
  return (
    <Card title={admin ? "All sales" : "My sales"} actions={<ExportButton path="/api/v1/conversions/export" />}>
      <QueryState query={list} empty="No sales reported yet.">
        {(rows) => (
          <ul className="divide-y divide-slate-100" data-testid="sales">
            {rows.map((c) => <SaleRow key={c.id} sale={c} />)}
          </ul>
        )}
      </QueryState>
      {list.hasNextPage && <Button variant="secondary" className="mt-3" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>}
    </Card>
  );
}

function SaleRow({ sale }: { sale: Conversion }) {
  const [refunding, setRefunding] = useState(false);
  // a lead is voided whole, by a refund of its reward
  const lead = sale.kind === "lead";
  const left = lead ? (sale.state === "refunded" || sale.affiliate_id === null ? 0 : sale.pool_minor) : sale.amount_minor - sale.refunded_minor;
  return (
    <li className="flex flex-col gap-2 py-3 text-sm" data-testid="sale-row">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span>
          {sale.kind === "lead"
            ? <strong>Lead {sale.order_id.replace(/^lead:/, "")}</strong>
            : <><strong>Order {sale.order_id}</strong> · {formatMoney(sale.amount_minor, sale.currency)}</>}
          {sale.product_id && <> · <RouterLink className="underline" to={`/app/products/${sale.product_id}`}>{sale.product_title}</RouterLink></>}
          {" "}<SaleLabel sale={sale} />
          {sale.subscription_id && <> · subscription <RouterLink className="underline" data-testid="subscription-link"
            to={`/app/sales/subscriptions/${encodeURIComponent(sale.subscription_id)}`}>{sale.subscription_id}</RouterLink></>}
        </span>
        <ConversionStateBadge state={sale.state} />
      </div>
      <p className="text-slate-600">
        {sale.attribution === "none"
          ? <>Not attributed: {sale.unattributed_reason ? UNATTRIBUTED[sale.unattributed_reason] : "—"}. No commission.</>
          : <>Through a {sale.attribution} · commission owed <strong data-testid="sale-commission">{formatMoney(sale.pool_minor, sale.currency)}</strong>
              {sale.state === "pending" && sale.matures_at && <> · refund hold ends {formatDate(sale.matures_at)}</>}</>}
      </p>
      <p className="text-xs text-slate-500">
        reported {formatDate(sale.created_at)}
        {sale.refunded_minor > 0 && <> · refunded {formatMoney(sale.refunded_minor, sale.currency)}</>}
        {sale.ledger_transaction_id && <> · <RouterLink className="underline" to={`/app/ledger/transactions/${sale.ledger_transaction_id}`}>ledger entry</RouterLink></>}
      </p>
      {left > 0 && (refunding ? <RefundForm sale={sale} left={left} onDone={() => setRefunding(false)} /> : (
        <div><Button variant="secondary" onClick={() => setRefunding(true)}>{lead ? "Void lead…" : "Refund…"}</Button></div>
      ))}
    </li>
  );
}

function RefundForm({ sale, left, onDone }: { sale: Conversion; left: number; onDone: () => void }) {
  const [localError, setLocalError] = useState<string | null>(null);
  const refund = useRefundConversion({ onSuccess: () => onDone() });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    const amount = toMinor(v.amount ?? "", sale.currency);
    if (amount === null || amount <= 0) { setLocalError("Enter an amount, e.g. 12.50."); return; }
    setLocalError(null);
    refund.mutate({ id: sale.id, body: { refund_id: `app-${crypto.randomUUID()}`, amount_minor: amount, reason: v.reason ?? "" } });
  };
  return (
    <form onSubmit={submit} className="grid gap-3 rounded-md bg-slate-50 p-3 sm:grid-cols-[10rem_1fr_auto_auto] sm:items-start" noValidate data-testid="refund-form">
      <Field label={`Amount (${sale.currency})`} name="amount" inputMode="decimal" defaultValue={fromMinor(left, sale.currency)}
        error={localError ?? refund.fieldError("amount_minor")} hint={`Up to ${formatMoney(left, sale.currency)}`} />
      <Field label="Reason" name="reason" maxLength={500} error={refund.fieldError("reason")} />
      <Button type="submit" busy={refund.isPending} className="sm:mt-6">Refund</Button>
      <Button type="button" variant="secondary" className="sm:mt-6" onClick={onDone}>Cancel</Button>
      <div className="sm:col-span-4"><FormError problem={refund.problem && Object.keys(refund.problem.fieldErrors).length === 0 ? refund.problem : null} /></div>
    </form>
  );
}

function CouponsCard() {
  const coupons = useCoupons();
  const products = useCouponProducts();
  const offers = [{ value: "", label: "Choose a product" }, ...(products.data?.items ?? []).map((p) => ({ value: p.id, label: p.title }))];
  const create = useCreateCoupon();
  const revoke = useRevokeCoupon();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formValues(form);
    create.mutate({ code: v.code ?? "", affiliate_code: v.affiliate_code ?? "", product_id: v.product_id ?? "" }, { onSuccess: () => form.reset() });
  };
  return (
    <Card title="Coupon codes">
      <p className="mb-4 text-sm text-slate-600">A sale reported with a coupon code is credited to its affiliate, click or no click. Ask the affiliate for their referral code.</p>
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-3 sm:items-start" noValidate>
        <Field label="Coupon code" name="code" maxLength={40} error={create.fieldError("code")} />
        <Field label="Affiliate's referral code" name="affiliate_code" maxLength={16} error={create.fieldError("affiliate_code")} />
        <Select label="Product" name="product_id" options={offers} error={create.fieldError("product_id")} />
        <div className="sm:col-span-3"><Button type="submit" busy={create.isPending}>Assign coupon</Button></div>
        <div className="sm:col-span-3"><FormError problem={create.problem && Object.keys(create.problem.fieldErrors).length === 0 ? create.problem : null} /></div>
      </form>
      <div className="mt-4">
        <QueryState query={coupons} empty="No coupon codes yet.">
          {(rows) => (
            <ul className="divide-y divide-slate-100 text-sm" data-testid="coupons">
              {rows.map((c) => (
                <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <span><code className="font-semibold">{c.code}</code> · {c.affiliate_name} · {c.product_title}</span>
                  {c.revoked_at ? <span className="text-xs text-red-600">revoked</span> : (
                    <ConfirmButton question={`Revoke coupon ${c.code}? Sales using it earn ${c.affiliate_name} nothing from now on.`} action="Revoke coupon"
                      busy={revoke.isPending && revoke.variables === c.id} onConfirm={() => revoke.mutate(c.id)}>Revoke</ConfirmButton>
                  )}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </div>
    </Card>
  );
}
