// Create or edit a group: name, description, its commission rule (the programme's, a percentage
// typed as one and sent as basis points, or a fixed amount in the organisation's currency), the
// products it covers (none ticked: all of them) and its payout threshold (empty: the organisation's).
import { useId, useState, type FormEvent } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { bpsToInput, fromMinor, percentToBps, toMinor } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useGroupProducts } from "../api/get-products";
import { useSaveGroup } from "../api/save-group";
import type { Group, GroupFields } from "../types";

type RuleKind = "programme" | "percent" | "fixed";

const RULES: { value: RuleKind; label: string }[] = [
  { value: "programme", label: "The programme's rule (the product's or the organisation's)" },
  { value: "percent", label: "A percentage of the sale" },
  { value: "fixed", label: "A fixed amount per sale" },
];

export function GroupForm({ group, onDone }: { group?: Group; onDone: () => void }) {
  const { me } = useAuth();
  const currency = me?.tenant.default_currency ?? "USD";
  const [kind, setKind] = useState<RuleKind>(
    group?.commission_bps != null ? "percent" : group?.commission_fixed_minor != null ? "fixed" : "programme",
  );
  const [picked, setPicked] = useState<Set<string>>(new Set(group?.products.map((p) => p.id)));
  const save = useSaveGroup({ onSuccess: onDone });
  const descriptionId = useId();

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    // what is no amount or no percentage goes as -1: the server then names every bad field at once
    const threshold = (v.payout_threshold ?? "").trim();
    const body: GroupFields = {
      name: v.name ?? "",
      description: v.description ?? "",
      commission_bps: kind === "percent" ? percentToBps(v.percent ?? "") : null,
      commission_fixed_minor: kind === "fixed" ? (toMinor(v.fixed ?? "", currency) ?? -1) : null,
      product_ids: [...picked],
      payout_threshold_minor: threshold ? (toMinor(threshold, currency) ?? -1) : null,
    };
    save.mutate({ id: group?.id, body });
  };
  const toggle = (id: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(id);
    else next.delete(id);
    setPicked(next);
  };
  const problem = save.problem && Object.keys(save.problem.fieldErrors).length === 0 ? save.problem : null;
  const productsError = Object.entries(save.problem?.fieldErrors ?? {}).find(([field]) => field.startsWith("product_ids"))?.[1];
  return (
    <Card title={group ? `Edit ${group.name}` : "New group"}>
      <form onSubmit={submit} className="grid gap-4 sm:grid-cols-2" noValidate aria-label={group ? `Edit ${group.name}` : "New group"}>
        <div className="sm:col-span-2"><FormError problem={problem} /></div>
        <Field label="Name" name="name" required maxLength={80} defaultValue={group?.name} error={save.fieldError("name")} />
        <Field label={`Payout threshold (${currency})`} name="payout_threshold" inputMode="decimal"
          defaultValue={group?.payout_threshold_minor != null ? fromMinor(group.payout_threshold_minor, currency) : ""}
          hint="Empty: the organisation's threshold." error={save.fieldError("payout_threshold_minor")} />
        <div className="flex flex-col gap-1 sm:col-span-2">
          <label htmlFor={descriptionId} className="text-sm font-medium text-slate-700">Description</label>
          <textarea id={descriptionId} name="description" rows={2} maxLength={500} defaultValue={group?.description}
            aria-invalid={save.fieldError("description") ? true : undefined}
            className="rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm outline-none focus:ring-2 focus:ring-brand" />
          {save.fieldError("description") && <p className="text-xs text-red-600" role="alert">{save.fieldError("description")}</p>}
        </div>
        <fieldset className="flex min-w-0 flex-col gap-2 sm:col-span-2">
          <legend className="mb-1 text-sm font-medium text-slate-700">Commission rule for the group's members</legend>
          {RULES.map((r) => (
            <label key={r.value} className="flex items-center gap-2 text-sm">
              <input type="radio" name="rule" value={r.value} checked={kind === r.value} onChange={() => setKind(r.value)} />
              {r.label}
            </label>
          ))}
          {kind === "percent" && (
            <Field label="Percentage (%)" name="percent" inputMode="decimal" className="max-w-xs"
              defaultValue={group?.commission_bps != null ? bpsToInput(group.commission_bps) : ""}
              hint="Of the sale's price, e.g. 30 or 12.5." error={save.fieldError("commission_bps")} />
          )}
          {kind === "fixed" && (
            <Field label={`Amount per sale (${currency})`} name="fixed" inputMode="decimal" className="max-w-xs"
              defaultValue={group?.commission_fixed_minor != null ? fromMinor(group.commission_fixed_minor, currency) : ""}
              hint="In the sale's currency, e.g. 5 or 4.90." error={save.fieldError("commission_fixed_minor")} />
          )}
        </fieldset>
        <ProductChoice picked={picked} onToggle={toggle} covered={group?.products ?? []} error={productsError} />
        <div className="flex gap-2 sm:col-span-2">
          <Button type="submit" busy={save.isPending}>{group ? "Save group" : "Create group"}</Button>
          <Button type="button" variant="secondary" onClick={onDone}>Cancel</Button>
        </div>
      </form>
    </Card>
  );
}

function ProductChoice({ picked, onToggle, covered, error }: {
  picked: Set<string>;
  onToggle: (id: string, on: boolean) => void;
  covered: { id: string; name: string }[];
  error?: string;
}) {
  const products = useGroupProducts();
  return (
    <fieldset className="flex min-w-0 flex-col gap-2 sm:col-span-2" aria-describedby="group-products-hint">
      <legend className="mb-1 text-sm font-medium text-slate-700">Products the rule covers</legend>
      <p id="group-products-hint" className="text-xs text-slate-500">None ticked: every product.</p>
      <QueryState query={products}>
        {(rows) => {
          // products the group covers that are no longer approved stay listed, so they can be unticked
          const options = [...rows.map((p) => ({ id: p.id, name: p.title })), ...covered.filter((c) => !rows.some((p) => p.id === c.id))];
          if (options.length === 0) return <p className="text-sm text-slate-600">No approved products yet.</p>;
          return (
            <div className="grid gap-1 sm:grid-cols-2">
              {options.map((p) => (
                <label key={p.id} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" checked={picked.has(p.id)} onChange={(e) => onToggle(p.id, e.target.checked)} />
                  {p.name}
                </label>
              ))}
            </div>
          );
        }}
      </QueryState>
      {error && <p className="text-xs text-red-600" role="alert">{error}</p>}
    </fieldset>
  );
}
