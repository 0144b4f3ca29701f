// The join page's settings: terms (published as new versions), questions and the auto-approve rule.
import { useState, type FormEvent } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError, Select } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { formatDate } from "../../../lib/format";
import { usePublishTerms, useQuestions, useRules, useSaveQuestions, useSaveRules, useTerms } from "../api/settings";

type Kind = Schemas["QuestionKind"];
const KINDS: { value: Kind; label: string }[] = [
  { value: "short_text", label: "Short text" },
  { value: "long_text", label: "Long text" },
  { value: "url", label: "Web address" },
  { value: "yes_no", label: "Yes or no" },
  { value: "single_choice", label: "One of several options" },
];
const RULES: { value: Schemas["AutoApprove"]; label: string }[] = [
  { value: "off", label: "Off: an admin decides every application" },
  { value: "all", label: "Approve every application" },
  { value: "email_domain", label: "Approve addresses at the listed domains" },
  { value: "referred", label: "Approve applicants referred by an affiliate" },
];

export function TermsCard() {
  const terms = useTerms();
  const publish = usePublishTerms();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    publish.mutate(String(new FormData(e.currentTarget).get("terms") ?? ""));
  };
  return (
    <Card title="Programme terms">
      <QueryState query={terms}>
        {(versions) => (
          <form key={versions[0]?.version ?? 0} onSubmit={submit} className="flex flex-col gap-2">
            <FormError problem={publish.problem && !publish.fieldError("body") ? publish.problem : null} />
            <label htmlFor="terms-body" className="text-sm font-medium text-slate-700">
              Terms text {versions[0] ? `(now version ${versions[0].version})` : "(none published yet)"}
            </label>
            <textarea id="terms-body" name="terms" rows={6} defaultValue={versions[0]?.body ?? ""}
              className="rounded-md border border-slate-300 px-3 py-2 text-sm" />
            {publish.fieldError("body") && <p role="alert" className="text-xs text-red-600">{publish.fieldError("body")}</p>}
            <div><Button type="submit" busy={publish.isPending}>Publish as a new version</Button></div>
            {versions.length > 0 && (
              <p className="text-xs text-slate-600">
                Earlier versions are kept: {versions.map((v) => `version ${v.version} (${formatDate(v.published_at)})`).join(", ")}.
              </p>
            )}
          </form>
        )}
      </QueryState>
    </Card>
  );
}

type Draft = { label: string; kind: Kind; required: boolean; options: string };

export function QuestionsCard() {
  const asked = useQuestions();
  return (
    <Card title="Application questions">
      <QueryState query={asked}>
        {(qs) => <QuestionsForm key={qs.map((q) => q.id).join()} initial={qs.map((q) => ({ ...q, options: q.options.join(", ") }))} />}
      </QueryState>
    </Card>
  );
}

function QuestionsForm({ initial }: { initial: Draft[] }) {
  const [drafts, setDrafts] = useState<Draft[]>(initial);
  const save = useSaveQuestions();
  const change = (i: number, patch: Partial<Draft>) => setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    save.mutate(drafts.map((d) => ({
      label: d.label.trim(),
      kind: d.kind,
      required: d.required,
      options: d.kind === "single_choice" ? d.options.split(",").map((o) => o.trim()).filter(Boolean) : [],
    })));
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-3">
      <FormError problem={save.problem} />
      {drafts.length === 0 && <p className="text-sm text-slate-600">No questions: applicants give their name and email only.</p>}
      {drafts.map((d, i) => (
        <fieldset key={i} className="flex flex-col gap-2 rounded-md border border-slate-200 p-3">
          <legend className="px-1 text-sm font-medium">Question {i + 1}</legend>
          <Field label="Question" value={d.label} maxLength={200} onChange={(e) => change(i, { label: e.target.value })}
            error={save.fieldError(`questions.${i}.label`)} />
          <Select label="Kind of answer" value={d.kind} options={KINDS} onChange={(e) => change(i, { kind: e.target.value as Kind })} />
          {d.kind === "single_choice" && (
            <Field label="Options (separated by commas)" value={d.options} onChange={(e) => change(i, { options: e.target.value })}
              error={save.fieldError(`questions.${i}.options`)} />
          )}
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={d.required} onChange={(e) => change(i, { required: e.target.checked })} />
            Required
          </label>
          <div>
            <Button type="button" variant="secondary" onClick={() => setDrafts(drafts.filter((_, j) => j !== i))}>
              Remove question {i + 1}
            </Button>
          </div>
        </fieldset>
      ))}
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="secondary" disabled={drafts.length >= 20}
          onClick={() => setDrafts([...drafts, { label: "", kind: "short_text", required: false, options: "" }])}>
          Add a question
        </Button>
        <Button type="submit" busy={save.isPending}>Save questions</Button>
      </div>
      {save.isSuccess && <p role="status" className="text-sm text-green-700">Questions saved.</p>}
    </form>
  );
}

export function RulesCard() {
  const rules = useRules();
  return (
    <Card title="Auto-approve">
      <QueryState query={rules}>{(r) => <RulesForm key={`${r.auto_approve}${r.domains.join()}`} rules={r} />}</QueryState>
    </Card>
  );
}

function RulesForm({ rules }: { rules: Schemas["RulesRead"] }) {
  const [rule, setRule] = useState(rules.auto_approve);
  const save = useSaveRules();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const domains = String(new FormData(e.currentTarget).get("domains") ?? "").split(",").map((d) => d.trim()).filter(Boolean);
    save.mutate({ auto_approve: rule, domains: rule === "email_domain" ? domains : [] });
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-3">
      <FormError problem={save.problem && !save.fieldError("domains") ? save.problem : null} />
      <Select label="When an application arrives" value={rule} options={RULES}
        onChange={(e) => setRule(e.target.value as Schemas["AutoApprove"])} />
      {rule === "email_domain" && (
        <Field label="Domains (separated by commas)" name="domains" defaultValue={rules.domains.join(", ")}
          placeholder="partners.example.com" error={save.fieldError("domains")} />
      )}
      <div><Button type="submit" busy={save.isPending}>Save rule</Button></div>
      {save.isSuccess && <p role="status" className="text-sm text-green-700">Rule saved.</p>}
    </form>
  );
}
