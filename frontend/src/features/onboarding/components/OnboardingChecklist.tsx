// What a new organisation's admin lands on: the steps to a running programme, each ticked by
// what the organisation has (a logo, a product, a sale), with a link to where it is done.
import { Link } from "react-router";
import { Button, Card, CopyButton } from "../../../components/ui";
import { count } from "../../../lib/format";
import { useDismissOnboarding, useOnboarding } from "../api/get-onboarding";

export function OnboardingChecklist() {
  const onboarding = useOnboarding();
  const dismiss = useDismissOnboarding();
  const o = onboarding.data;
  if (!o || o.dismissed) return null;
  const all = o.steps.length;
  return (
    <Card title="Get your programme running" actions={<span className="text-sm text-slate-600" data-testid="onboarding-progress">{o.done} of {count(all, "step")} done</span>}>
      <ol className="flex flex-col gap-3" data-testid="onboarding">
        {o.steps.map((step) => (
          <li key={step.key} className="flex items-start gap-3" data-testid={`step-${step.key}`}>
            <span aria-hidden className={`mt-0.5 inline-flex size-5 shrink-0 items-center justify-center rounded-full text-xs font-bold ${step.done ? "bg-green-700 text-white" : "border border-slate-400 text-slate-600"}`}>
              {step.done ? "✓" : ""}
            </span>
            <span className="flex flex-col">
              <span className="font-medium">
                <Link to={step.href} className="underline-offset-2 hover:underline">{step.title}</Link>
                <span className="sr-only">{step.done ? " (done)" : " (to do)"}</span>
                {step.done && <span className="ml-2 text-xs text-green-700">done</span>}
              </span>
              <span className="text-sm text-slate-600">{step.detail}</span>
              {step.key === "recruit" && (
                <span className="mt-1 flex flex-wrap items-center gap-2 text-sm">
                  <code className="break-all rounded bg-slate-100 px-2 py-1" data-testid="join-url">{o.join_url}</code>
                  <CopyButton text={o.join_url} label="Copy join page link" />
                </span>
              )}
            </span>
          </li>
        ))}
      </ol>
      <div className="mt-4">
        <Button variant="secondary" busy={dismiss.isPending} onClick={() => dismiss.mutate()}>
          {o.done === all ? "Done: put this away" : "Hide this checklist"}
        </Button>
      </div>
    </Card>
  );
}
