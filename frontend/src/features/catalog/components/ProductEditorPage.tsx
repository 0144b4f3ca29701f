// List a new product or change one (which sends it back to the vetting queue).
import { useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { bpsToPercent, fromMinor, toMinor } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useCreateProduct } from "../api/create-product";
import { useProduct } from "../api/get-product";
import { useUpdateProduct } from "../api/update-product";
import type { Product, ProductFields } from "../types";
import { CurrencySelect } from "../../../components/CurrencySelect";

type RuleKind = "default" | "percent" | "fixed";

export function ProductEditorPage() {
  const { id } = useParams();
  return id ? <EditProduct id={id} /> : <Editor />;
}

function EditProduct({ id }: { id: string }) {
  const product = useProduct(id);
  return <QueryState query={product}>{(p) => <Editor product={p} />}</QueryState>;
}

function Editor({ product }: { product?: Product }) {
  const { me } = useAuth();
  const navigate = useNavigate();
  const [currency, setCurrency] = useState(product?.currency ?? me?.tenant.default_currency ?? "USD");
  const [kind, setKind] = useState<RuleKind>(
    !product || product.commission.is_default ? "default" : product.commission.kind,
  );
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const done = (p: Product) => void navigate(`/app/products/${p.id}`);
  const create = useCreateProduct({ onSuccess: done });
  const update = useUpdateProduct({ onSuccess: done });
  const save = product ? update : create;
  const fieldError = (name: string) => localErrors[name] ?? save.fieldError(name);

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    const price = toMinor(v.price ?? "", currency);
    const fixed = kind === "fixed" ? toMinor(v.fixed ?? "", currency) : null;
    const errors: Record<string, string> = {};
    if (price === null) errors.price_minor = `An amount in ${currency}, e.g. 49 or 49.90.`;
    if (kind === "fixed" && fixed === null) errors["commission.fixed_minor"] = `An amount in ${currency}.`;
    setLocalErrors(errors);
    if (Object.keys(errors).length) return;
    const body: ProductFields = {
      title: v.title ?? "",
      description: v.description ?? "",
      category: v.category ?? "",
      tags: (v.tags ?? "").split(",").map((t) => t.trim()).filter(Boolean),
      price_minor: price ?? 0,
      currency,
      landing_url: v.landing_url ?? "",
      commission: kind === "percent" ? { bps: Math.round(Number(v.percent) * 100) } : kind === "fixed" ? { fixed_minor: fixed } : {},
      cookie_days: v.cookie_days ? Number(v.cookie_days) : null,
      refund_hold_days: v.refund_hold_days ? Number(v.refund_hold_days) : null,
    };
    if (product) update.mutate({ id: product.id, body });
    else create.mutate(body);
  };
  const c = product?.commission;
  return (
    <Card level={1} title={product ? `Edit ${product.title}` : "List a product"}>
      <form onSubmit={submit} className="grid gap-4 sm:grid-cols-2" noValidate aria-label="Product">
        <div className="sm:col-span-2"><FormError problem={save.problem && Object.keys(save.problem.fieldErrors).length === 0 ? save.problem : null} /></div>
        {product && <p className="text-sm text-amber-700 sm:col-span-2">Saving sends the product back to the vetting queue; it leaves the marketplace until an admin approves it again.</p>}
        <Field label="Title" name="title" required maxLength={200} defaultValue={product?.title} error={fieldError("title")} className="sm:col-span-2" />
        <div className="flex flex-col gap-1 sm:col-span-2">
          <label htmlFor="description" className="text-sm font-medium text-slate-700">Description</label>
          <textarea id="description" name="description" rows={4} maxLength={5000} defaultValue={product?.description} className="rounded-md border border-slate-300 px-3 py-2 text-sm" />
        </div>
        <Field label="Category" name="category" required maxLength={60} defaultValue={product?.category} error={fieldError("category")} />
        <Field label="Tags" name="tags" defaultValue={product?.tags.join(", ")} hint="Comma-separated, up to 10." error={fieldError("tags")} />
        <Field label={`Price (${currency})`} name="price" inputMode="decimal" required defaultValue={product ? fromMinor(product.price_minor, product.currency) : ""} error={fieldError("price_minor")} />
        <CurrencySelect label="Currency" name="currency" value={currency} onChange={(e) => setCurrency(e.target.value)} error={fieldError("currency")} />
        <Field label="Landing page" name="landing_url" type="url" required placeholder="https://" defaultValue={product?.landing_url} error={fieldError("landing_url")} className="sm:col-span-2" />
        <fieldset className="flex flex-col gap-2 sm:col-span-2">
          <legend className="text-sm font-medium text-slate-700">Commission</legend>
          <div className="flex flex-wrap gap-4 text-sm">
            <label className="flex items-center gap-1"><input type="radio" name="kind" checked={kind === "default"} onChange={() => setKind("default")} /> Program default{c?.is_default ? ` (${bpsToPercent(c.bps ?? 0)})` : ""}</label>
            <label className="flex items-center gap-1"><input type="radio" name="kind" checked={kind === "percent"} onChange={() => setKind("percent")} /> Percentage of the sale</label>
            <label className="flex items-center gap-1"><input type="radio" name="kind" checked={kind === "fixed"} onChange={() => setKind("fixed")} /> Fixed amount per sale</label>
          </div>
          {kind === "percent" && <Field label="Percentage" name="percent" type="number" min={0} max={100} step="0.01" defaultValue={c?.kind === "percent" && !c.is_default ? String((c.bps ?? 0) / 100) : "10"} error={fieldError("commission.bps")} />}
          {kind === "fixed" && <Field label={`Amount per sale (${currency})`} name="fixed" inputMode="decimal" defaultValue={c?.kind === "fixed" ? fromMinor(c.fixed_minor ?? 0, currency) : ""} error={fieldError("commission.fixed_minor")} />}
        </fieldset>
        <Field label="Cookie window (days)" name="cookie_days" type="number" min={1} max={365} defaultValue={product?.cookie_days} hint="Empty: the program default." error={fieldError("cookie_days")} />
        <Field label="Refund hold (days)" name="refund_hold_days" type="number" min={0} max={365} defaultValue={product?.refund_hold_days} hint="Empty: the program default." error={fieldError("refund_hold_days")} />
        <Button type="submit" busy={save.isPending} className="sm:col-span-2">{product ? "Save and resubmit" : "Submit for review"}</Button>
      </form>
    </Card>
  );
}
