// The admin's recruiting page: the join page link, the applications queue, and the join page's
// terms, questions and auto-approve rule.
import { useState, type FormEvent } from "react";
import { QueryState } from "../../../components/QueryState";
import { Badge, Button, Card, CopyButton, Field, FormError, PageTitle, Select } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { useAuth } from "../../../lib/auth/session";
import { formatDate } from "../../../lib/format";
import { useApplications, useApproveApplication, useRejectApplication, type ApplicationFilter } from "../api/applications";
import { QuestionsCard, RulesCard, TermsCard } from "./RecruitingSettings";

type Application = Schemas["ApplicationRead"];

const FILTERS: { value: ApplicationFilter; label: string }[] = [
  { value: "pending", label: "Pending" },
  { value: "approved", label: "Approved" },
  { value: "rejected", label: "Rejected" },
  { value: "all", label: "All" },
];
const RULE_NAMES: Record<Schemas["AutoApprove"], string> = {
  off: "no rule",
  all: "approve everyone",
  email_domain: "listed email domain",
  referred: "referred by an affiliate",
};

export function RecruitingPage() {
  const { me } = useAuth();
  const joinUrl = `${location.origin}/join/${me?.tenant.slug ?? ""}`;
  return (
    <div className="flex flex-col gap-6">
      <PageTitle>Recruiting</PageTitle>
      <Card title="Your join page">
        <p className="mb-2 text-sm text-slate-600">Share this page: people read your terms and commission and apply.</p>
        <div className="flex flex-wrap items-center gap-2">
          <a href={joinUrl} className="break-all text-brand underline" data-testid="join-page-link">{joinUrl}</a>
          <CopyButton text={joinUrl} label="Copy join page link" />
        </div>
      </Card>
      <ApplicationsCard />
      <TermsCard />
      <QuestionsCard />
      <RulesCard />
    </div>
  );
}

function ApplicationsCard() {
  const [filter, setFilter] = useState<ApplicationFilter>("pending");
  const list = useApplications(filter);
  return (
    <Card title="Applications" actions={
      <Select label="Show" value={filter} options={FILTERS} onChange={(e) => setFilter(e.target.value as ApplicationFilter)} />
    }>
      <QueryState query={list} empty={`No ${filter === "all" ? "" : `${filter} `}applications.`}>
        {(page) => (
          <ul className="flex flex-col divide-y divide-slate-200" data-testid="applications">
            {page.items.map((a) => <ApplicationRow key={a.id} application={a} />)}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}

function StatusBadge({ status }: { status: Schemas["ApplicationStatus"] }) {
  const tone = status === "approved" ? "green" : status === "rejected" ? "red" : "amber";
  return <Badge tone={tone}>{status === "pending" ? "Pending" : status === "approved" ? "Approved" : "Rejected"}</Badge>;
}

function ApplicationRow({ application: a }: { application: Application }) {
  const [open, setOpen] = useState(a.status === "pending");
  return (
    <li className="py-3" data-testid="application">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <p className="font-medium">{a.name} <span className="text-sm font-normal text-slate-600">{a.email}</span></p>
          <p className="text-xs text-slate-600">Applied {formatDate(a.created_at)}</p>
        </div>
        <div className="flex items-center gap-2">
          <StatusBadge status={a.status} />
          <Button type="button" variant="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? "Hide details" : "Details"}<span className="sr-only"> of {a.name}</span>
          </Button>
        </div>
      </div>
      {open && <ApplicationDetail application={a} />}
    </li>
  );
}

function ApplicationDetail({ application: a }: { application: Application }) {
  return (
    <div className="mt-3 flex flex-col gap-3 rounded-md bg-slate-50 p-3 text-sm">
      <dl className="flex flex-col gap-2">
        {a.answers.map((x) => (
          <div key={x.question_id}>
            <dt className="font-medium text-slate-700">{x.label}</dt>
            <dd className="whitespace-pre-wrap break-words text-slate-700">
              {x.answer === null ? "No answer" : x.answer === true ? "Yes" : x.answer === false ? "No" : x.answer}
            </dd>
          </div>
        ))}
      </dl>
      <p className="text-slate-600">
        {a.terms_version && a.terms_accepted_at
          ? `Accepted the terms (version ${a.terms_version}) on ${formatDate(a.terms_accepted_at)}.`
          : "No terms were published when this application was made."}
      </p>
      {a.decided_at && (
        <p className="text-slate-600" data-testid="decision">
          {a.status === "approved" ? "Approved" : "Rejected"} {formatDate(a.decided_at)}
          {a.decided_by_rule ? ` automatically by the rule "${RULE_NAMES[a.decided_by_rule]}"` : ""}.
          {a.reject_reason && <> Reason: {a.reject_reason}</>}
          {a.user_id && " Joined as an affiliate."}
        </p>
      )}
      {a.status === "pending" && <Decide application={a} />}
    </div>
  );
}

function Decide({ application: a }: { application: Application }) {
  const approve = useApproveApplication();
  const reject = useRejectApplication();
  const [rejecting, setRejecting] = useState(false);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const reason = String(new FormData(e.currentTarget).get("reason") ?? "").trim();
    reject.mutate({ id: a.id, reason });
  };
  return (
    <div className="flex flex-col gap-2">
      <FormError problem={approve.problem ?? (reject.problem && !reject.fieldError("reason") ? reject.problem : null)} />
      {!rejecting ? (
        <div className="flex flex-wrap gap-2">
          <Button type="button" busy={approve.isPending} onClick={() => approve.mutate(a.id)}>
            Approve<span className="sr-only"> {a.name}</span>
          </Button>
          <Button type="button" variant="danger" onClick={() => setRejecting(true)}>
            Reject<span className="sr-only"> {a.name}</span>
          </Button>
        </div>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-2">
          <Field label="Reason (mailed to the applicant)" name="reason" required maxLength={2000} autoFocus
            error={reject.fieldError("reason")} />
          <div className="flex flex-wrap gap-2">
            <Button type="submit" variant="danger" busy={reject.isPending}>Reject and mail the reason</Button>
            <Button type="button" variant="secondary" onClick={() => setRejecting(false)}>Cancel</Button>
          </div>
        </form>
      )}
    </div>
  );
}
