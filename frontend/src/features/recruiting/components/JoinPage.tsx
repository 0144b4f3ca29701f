// The public join page of an organisation: its brand, terms, commission summary and the
// application form with the questions its admins chose.
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { useParams, useSearchParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError } from "../../../components/ui";
import { apiUrl } from "../../../lib/api/base";
import type { Schemas } from "../../../lib/api/client";
import { bpsToPercent, count, formatDay, formatMoney } from "../../../lib/format";
import { useApply } from "../api/apply";
import { useJoinPage } from "../api/get-join-page";

type Join = Schemas["JoinPage"];
type Question = Schemas["QuestionRead"];

export function JoinPage() {
  const { slug = "" } = useParams();
  const page = useJoinPage(slug);
  return (
    <div className="mx-auto w-full max-w-2xl">
      <QueryState query={page} retry={false}>{(p) => <JoinContent slug={slug} page={p} />}</QueryState>
    </div>
  );
}

function JoinContent({ slug, page }: { slug: string; page: Join }) {
  const apply = useApply(slug);
  const name = page.tenant.display_name;
  if (apply.isSuccess) {
    return (
      <Card title="Thank you for applying" level={1}>
        <p className="text-sm text-slate-600" data-testid="applied">
          We sent a mail to <strong>{apply.data.email}</strong>. {name} reviews applications and mails you the decision;
          once approved, the mail has a link to choose your password.
        </p>
      </Card>
    );
  }
  return (
    <div className="flex flex-col gap-4">
      <header className="flex items-center gap-4">
        {page.tenant.logo_url && <img src={apiUrl(page.tenant.logo_url)} alt={`${name} logo`} className="h-12" />}
        <h1 className="text-2xl font-bold">Join {name} as an affiliate</h1>
      </header>
      <CommissionCard commission={page.commission} />
      {page.terms && (
        <Card title={`Programme terms (version ${page.terms.version})`}>
          <div className="max-h-64 overflow-y-auto whitespace-pre-wrap rounded-md bg-slate-50 p-3 text-sm" tabIndex={0}
            aria-label="Programme terms text" data-testid="terms">
            {page.terms.body}
          </div>
          <p className="mt-2 text-xs text-slate-500">Published {formatDay(page.terms.published_at)}</p>
        </Card>
      )}
      <Card title="Apply">
        <ApplicationForm page={page} apply={apply} />
      </Card>
    </div>
  );
}

function CommissionCard({ commission: c }: { commission: Schemas["CommissionSummary"] }) {
  const rows: [string, ReactNode][] = [
    ["Commission", `${bpsToPercent(c.commission_bps)} of each sale`],
    ["Cookie window", count(c.cookie_days, "day")],
    ["Refund hold", `${count(c.refund_hold_days, "day")} before a commission is confirmed`],
    ["Payouts", `${c.payout_schedule === "manual" ? "On request" : c.payout_schedule === "weekly" ? "Weekly" : "Monthly"}, from ${formatMoney(c.payout_threshold_minor, c.currency)}`],
  ];
  return (
    <Card title="What you earn">
      <dl className="grid grid-cols-1 gap-2 text-sm sm:grid-cols-2" data-testid="commission">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt className="font-medium text-slate-700">{k}</dt>
            <dd className="text-slate-600">{v}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function ApplicationForm({ page, apply }: { page: Join; apply: ReturnType<typeof useApply> }) {
  const [params] = useSearchParams();
  const [yesNo, setYesNo] = useState<Record<string, boolean>>({});
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const text = (key: string) => String(data.get(key) ?? "").trim();
    const answers: Record<string, string | boolean> = {};
    for (const q of page.questions) {
      const said = yesNo[q.id];
      if (q.kind === "yes_no") {
        if (said !== undefined) answers[q.id] = said;
      } else if (text(`q-${q.id}`)) answers[q.id] = text(`q-${q.id}`);
    }
    apply.mutate({
      name: text("name"),
      email: text("email"),
      answers,
      accept_terms_version: page.terms && data.get("accept_terms") ? page.terms.version : null,
      referral_code: text("referral_code") || null,
    });
  };
  const fields = ["name", "email", "referral_code", "accept_terms_version", ...page.questions.map((q) => `answers.${q.id}`)];
  const onField = fields.some((f) => apply.fieldError(f));
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      <FormError problem={apply.problem && !onField ? apply.problem : null} />
      {apply.problem && onField && (
        <p role="alert" className="text-sm text-red-700">Some answers need attention: see the marked fields.</p>
      )}
      <Field label="Name" name="name" required autoComplete="name" error={apply.fieldError("name")} />
      <Field label="Email" name="email" type="email" required autoComplete="email" error={apply.fieldError("email")} />
      {page.questions.map((q) => (
        <QuestionInput key={q.id} q={q} error={apply.fieldError(`answers.${q.id}`)}
          yes={yesNo[q.id]} onYesNo={(v) => setYesNo({ ...yesNo, [q.id]: v })} />
      ))}
      <Field label="Referral code" name="referral_code" defaultValue={params.get("ref") ?? ""}
        error={apply.fieldError("referral_code")} hint="Optional: the code of the affiliate who invited you." />
      {page.terms && (
        <div className="flex flex-col gap-1">
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" name="accept_terms" className="mt-1"
              aria-invalid={apply.fieldError("accept_terms_version") ? true : undefined} />
            <span>I accept the programme terms (version {page.terms.version})</span>
          </label>
          {apply.fieldError("accept_terms_version") && (
            <p className="text-xs text-red-600" role="alert">{apply.fieldError("accept_terms_version")}</p>
          )}
        </div>
      )}
      <Button type="submit" busy={apply.isPending}>Apply to join</Button>
    </form>
  );
}

function QuestionInput({ q, error, yes, onYesNo }: {
  q: Question;
  error?: string;
  yes: boolean | undefined;
  onYesNo: (v: boolean) => void;
}) {
  const id = useId();
  const label = q.required ? q.label : `${q.label} (optional)`;
  const errorLine = error && <p id={`${id}-error`} className="text-xs text-red-600" role="alert">{error}</p>;
  if (q.kind === "yes_no" || q.kind === "single_choice") {
    const choices = q.kind === "yes_no" ? ["Yes", "No"] : q.options;
    return (
      <fieldset className="flex flex-col gap-1" aria-describedby={error ? `${id}-error` : undefined}>
        <legend className="text-sm font-medium text-slate-700">{label}</legend>
        <div className="flex flex-wrap gap-4">
          {choices.map((c) => (
            <label key={c} className="flex items-center gap-2 text-sm">
              {q.kind === "yes_no"
                ? <input type="radio" name={`q-${q.id}`} checked={yes === (c === "Yes")} onChange={() => onYesNo(c === "Yes")} />
                : <input type="radio" name={`q-${q.id}`} value={c} />}
              {c}
            </label>
          ))}
        </div>
        {errorLine}
      </fieldset>
    );
  }
  if (q.kind === "long_text") {
    return (
      <div className="flex flex-col gap-1">
        <label htmlFor={id} className="text-sm font-medium text-slate-700">{label}</label>
        <textarea id={id} name={`q-${q.id}`} rows={4} maxLength={2000} aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          className={`rounded-md border px-3 py-2 text-sm shadow-sm ${error ? "border-red-500" : "border-slate-300"}`} />
        {errorLine}
      </div>
    );
  }
  return (
    <Field id={id} label={label} name={`q-${q.id}`} type={q.kind === "url" ? "url" : "text"} error={error}
      placeholder={q.kind === "url" ? "https://" : undefined} />
  );
}
