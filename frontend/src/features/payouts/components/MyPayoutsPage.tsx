// An affiliate's payouts: where the money goes (PayPal, Wise or a bank account), the program's
// threshold and schedule, and every payout with its state.
import { useState, type ComponentType, type FormEvent } from "react";
import { QueryState } from "../../../components/QueryState";
import { ExportButton } from "../../../components/ExportButton";
import { Button, Card, Field, FormError, Select, PageTitle } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { formatDate, formatDay, formatMoney } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { usePayoutMethod } from "../api/get-payout-method";
import { usePayoutSettings } from "../api/get-payout-settings";
import { usePayouts } from "../api/get-payouts";
import { useUpdatePayoutMethod } from "../api/update-payout-method";
import { METHODS, PayoutStatusBadge } from "./parts";

type MethodName = Schemas["PayoutMethodRead"]["method"];
const OPTIONS = (Object.keys(METHODS) as MethodName[]).map((m) => ({ value: m, label: METHODS[m] }));

/** The group the affiliate is in, with its terms (the groups feature's). */
export type GroupSlot = ComponentType;

export function MyPayoutsPage({ Group }: { Group?: GroupSlot }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <PageTitle className="lg:col-span-2">Payouts</PageTitle>
      <MethodCard />
      <div className="flex flex-col gap-6">
        <ScheduleCard />
        {Group && <Group />}
      </div>
      <div className="lg:col-span-2"><HistoryCard /></div>
    </div>
  );
}

function MethodCard() {
  const current = usePayoutMethod();
  const [method, setMethod] = useState<MethodName>("paypal");
  const save = useUpdatePayoutMethod();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    const details: Schemas["PayoutMethodUpdate"]["details"] = method === "bank_transfer"
      ? { method, account_holder: v.account_holder ?? "", iban: v.iban ?? "", bic: v.bic || null }
      : { method, email: v.email ?? "" };
    save.mutate({ details });
  };
  const err = (name: string) => save.fieldError(`details.${method}.${name}`);
  return (
    <Card title="Payout method">
      <QueryState query={current}>
        {(data) => (
          <p className="mb-4 text-sm" data-testid="payout-method">
            {data ? <>Payouts go to <strong>{METHODS[data.method]}</strong>: {data.account}</> : "No payout method yet: payouts skip you until you set one."}
          </p>
        )}
      </QueryState>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <Select label="Method" name="method" value={method} options={OPTIONS} onChange={(e) => setMethod(e.target.value as MethodName)} />
        {method === "bank_transfer" ? (
          <>
            <Field label="Account holder" name="account_holder" maxLength={120} error={err("account_holder")} />
            <Field label="IBAN" name="iban" maxLength={42} error={err("iban")} />
            <Field label="BIC (optional)" name="bic" maxLength={11} error={err("bic")} />
          </>
        ) : (
          <Field label={`${METHODS[method]} email`} name="email" type="email" error={err("email")} />
        )}
        <FormError problem={save.problem && Object.keys(save.problem.fieldErrors).length === 0 ? save.problem : null} />
        <Button type="submit" busy={save.isPending}>Save payout method</Button>
        {save.isSuccess && <p className="text-sm text-green-700" role="status">Payout method saved.</p>}
      </form>
    </Card>
  );
}

function ScheduleCard() {
  const settings = usePayoutSettings();
  return (
    <Card title="When you are paid">
      <QueryState query={settings} retry={false}>
        {(data) => (
          <p className="text-sm" data-testid="payout-schedule">
            Payouts are made {data.schedule === "manual" ? "when the program's admins decide" : data.schedule}
            {data.next_payout && <> (next: {formatDay(data.next_payout)})</>} to everyone with at
            least {formatMoney(data.threshold_minor, data.currency)} available and a payout method.
          </p>
        )}
      </QueryState>
    </Card>
  );
}

function HistoryCard() {
  const mine = usePayouts();
  return (
    <Card title="My payouts" actions={<ExportButton path="/api/v1/payouts/export" />}>
      <QueryState query={mine} empty="No payouts yet.">
        {(rows) => (
          <ul className="divide-y divide-slate-100 text-sm" data-testid="my-payouts">
            {rows.map((p) => (
              <li key={p.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid="my-payout">
                <span><strong>{formatMoney(p.amount_minor, p.currency)}</strong> · {METHODS[p.method]} {p.account} · {p.reference} · {formatDate(p.created_at)}</span>
                <span className="flex items-center gap-2">
                  {p.failure_reason && <span className="text-xs text-red-600">{p.failure_reason}</span>}
                  <PayoutStatusBadge status={p.status} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
