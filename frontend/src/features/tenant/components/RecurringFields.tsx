// The commission policy's recurring rule (which renewals of a subscription earn) and lead reward.
import { useState } from "react";
import { Field, Select } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { fromMinor, toMinor } from "../../../lib/format";

type Recurring = Schemas["TenantSettings"]["recurring"];

const RECURRING: { value: Recurring; label: string }[] = [
  { value: "off", label: "Off: only the first sale earns" },
  { value: "months", label: "For a number of months after the first sale" },
  { value: "renewals", label: "For a number of renewals" },
  { value: "forever", label: "Forever" },
];

/** The settings these fields add to the policy form's values. */
export function recurringValues(v: Record<string, string>, currency: string): Schemas["TenantSettingsUpdate"] {
  const rule = v.recurring as Recurring;
  const limit = v.recurring_limit?.trim() ?? "";
  const reward = v.lead_reward?.trim() ?? "";
  return {
    recurring: rule,
    recurring_limit: rule === "months" || rule === "renewals" ? (limit === "" ? null : Number(limit)) : null,
    lead_reward_minor: reward === "" ? 0 : (toMinor(reward, currency) ?? -1),
  };
}

export function RecurringFields({ settings, fieldError }: { settings: Schemas["TenantSettings"]; fieldError: (field: string) => string | undefined }) {
  const [rule, setRule] = useState<Recurring>(settings.recurring);
  const unit = rule === "months" ? "Months" : "Renewals";
  return (
    <fieldset className="min-w-0 grid gap-3 sm:grid-cols-3">
      <legend className="mb-1 text-sm font-medium text-slate-700">Subscriptions and leads</legend>
      <Select label="Recurring commissions" name="recurring" value={rule} options={RECURRING}
        onChange={(e) => setRule(e.target.value as Recurring)} error={fieldError("recurring")} />
      {(rule === "months" || rule === "renewals") && (
        <Field label={`${unit} that earn`} name="recurring_limit" type="number" min={1} max={1200}
          defaultValue={settings.recurring_limit ?? 12} error={fieldError("recurring_limit")}
          hint="A renewal is a later sale with the first sale's subscription id; it earns for that sale's affiliate." />
      )}
      <Field label={`Lead reward (${settings.default_currency}; empty: off)`} name="lead_reward" inputMode="decimal"
        defaultValue={settings.lead_reward_minor ? fromMinor(settings.lead_reward_minor, settings.default_currency) : ""}
        error={fieldError("lead_reward_minor")} hint="A fixed amount for each sign-up a vendor reports." />
    </fieldset>
  );
}
