// Tenant settings: branding (applied to the whole UI on save), currency and commission defaults.
import { useState, type FormEvent } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError, Select } from "../../../components/ui";
import { apiUrl } from "../../../lib/api/base";
import type { Schemas } from "../../../lib/api/client";
import { bpsToInput, bpsToPercent, fromMinor, percentToBps, toMinor } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useSettings } from "../api/get-settings";
import { useRemoveLogo } from "../api/remove-logo";
import { useUpdateSettings } from "../api/update-settings";
import { useUploadLogo } from "../api/upload-logo";
import { CurrencySelect } from "../../../components/CurrencySelect";
import { RecurringFields, recurringValues } from "./RecurringFields";

export function SettingsPage() {
  const settings = useSettings();
  return <QueryState query={settings}>{(s) => <SettingsForm settings={s} />}</QueryState>;
}

function SettingsForm({ settings }: { settings: Schemas["TenantSettings"] }) {
  const [color, setColor] = useState(settings.brand_color);
  const [percent, setPercent] = useState(bpsToInput(settings.default_commission_bps));
  const save = useUpdateSettings();
  const logo = useUploadLogo();
  const dropLogo = useRemoveLogo();

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    save.mutate({
      display_name: v.display_name,
      brand_color: color,
      default_currency: v.default_currency,
      default_commission_bps: percentToBps(v.default_commission_bps ?? ""),
      default_cookie_days: Number(v.default_cookie_days),
      default_refund_hold_days: Number(v.default_refund_hold_days),
      fallback_url: v.fallback_url ?? "",
    });
  };
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card level={1} title="Organisation settings">
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <FormError problem={save.problem && Object.keys(save.problem.fieldErrors).length === 0 ? save.problem : null} />
          <Field label="Display name" name="display_name" defaultValue={settings.display_name} error={save.fieldError("display_name")} />
          <div className="flex items-end gap-3">
            <Field label="Brand colour" name="brand_color" value={color} onChange={(e) => setColor(e.target.value)} error={save.fieldError("brand_color")} className="flex-1" />
            <input type="color" aria-label="Pick brand colour" value={/^#[0-9a-fA-F]{6}$/.test(color) ? color : "#000000"} onChange={(e) => setColor(e.target.value)} className="h-10 w-12 rounded border border-slate-300" />
          </div>
          <CurrencySelect label="Default currency" name="default_currency" defaultValue={settings.default_currency} error={save.fieldError("default_currency")} />
          <Field label="Default commission (%)" name="default_commission_bps" inputMode="decimal" value={percent}
            onChange={(e) => setPercent(e.target.value)} error={save.fieldError("default_commission_bps")} hint="Of the sale's price, e.g. 12.5." />
          <Field label="Cookie window (days)" name="default_cookie_days" type="number" min={1} max={365} defaultValue={settings.default_cookie_days} error={save.fieldError("default_cookie_days")} />
          <Field label="Refund hold (days)" name="default_refund_hold_days" type="number" min={0} max={365} defaultValue={settings.default_refund_hold_days} error={save.fieldError("default_refund_hold_days")} />
          <Field label="Fallback page" name="fallback_url" type="url" placeholder="https://" defaultValue={settings.fallback_url ?? ""} error={save.fieldError("fallback_url")}
            hint="Where paused or deleted links, and links to withdrawn products, send visitors. Empty: a built-in page with your branding." />
          <Button type="submit" busy={save.isPending}>Save settings</Button>
          {save.isSuccess && <p className="text-sm text-green-700" role="status">Settings saved.</p>}
        </form>
      </Card>
      <Card title="Logo">
        <div className="flex flex-col gap-4">
          {settings.logo_url ? (
            <img src={apiUrl(settings.logo_url)} alt="Current logo" className="h-20 w-20 rounded border border-slate-200 object-contain" />
          ) : (
            <p className="text-sm text-slate-500">No logo yet.</p>
          )}
          <FormError problem={logo.problem ?? dropLogo.problem} />
          <label className="text-sm font-medium text-slate-700" htmlFor="logo-file">Upload logo (PNG, JPEG or WebP, up to 512 KB)</label>
          <input id="logo-file" type="file" accept="image/png,image/jpeg,image/webp" disabled={logo.isPending}
            onChange={(e) => { const f = e.target.files?.[0]; if (f) logo.mutate(f); e.target.value = ""; }} />
          {settings.logo_url && (
            <Button variant="secondary" busy={dropLogo.isPending} onClick={() => dropLogo.mutate()}>Remove logo</Button>
          )}
        </div>
      </Card>
      <CommissionSettingsCard settings={settings} />
      <ContentSettingsCard settings={settings} />
    </div>
  );
}

const SCHEDULES = [
  { value: "monthly", label: "Monthly (on the 1st)" },
  { value: "weekly", label: "Weekly (on Mondays)" },
  { value: "manual", label: "When an admin decides" },
];

const ATTRIBUTION = [
  { value: "last_click", label: "Last click (the most recent affiliate gets the sale)" },
  { value: "first_click", label: "First click (the first affiliate within the window)" },
];

function CommissionSettingsCard({ settings }: { settings: Schemas["TenantSettings"] }) {
  const save = useUpdateSettings();
  // shares are typed as percentages and sent as basis points
  const [fee, setFee] = useState(bpsToInput(settings.platform_fee_bps));
  const [levels, setLevels] = useState([0, 1, 2].map((i) => (settings.override_bps[i] === undefined ? "" : bpsToInput(settings.override_bps[i]))));
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    // levels end at the first empty one: level 2 needs level 1
    const cut = levels.findIndex((l) => l.trim() === "");
    const used = (cut === -1 ? levels : levels.slice(0, cut)).map(percentToBps);
    const threshold = toMinor(v.payout_threshold ?? "", settings.default_currency);
    save.mutate({
      platform_fee_bps: percentToBps(fee),
      override_bps: used,
      attribution: v.attribution as Schemas["TenantSettings"]["attribution"],
      fraud_min_click_seconds: Number(v.fraud_min_click_seconds),
      fraud_max_sales_per_address: Number(v.fraud_max_sales_per_address),
      fraud_hold_coupon_without_click: v.fraud_hold_coupon_without_click === "on",
      payout_threshold_minor: threshold ?? -1,
      payout_schedule: v.payout_schedule as Schemas["TenantSettings"]["payout_schedule"],
      tier_thresholds: [1, 2, 3].map((i) => toMinor(v[`tier_threshold_${i}`] ?? "", settings.default_currency) ?? -1),
      tier_bonus_bps: [1, 2, 3].map((i) => percentToBps(v[`tier_bonus_${i}`] ?? "")),
      ...recurringValues(v, settings.default_currency),
    });
  };
  const share = (text: string) => Math.max(percentToBps(text), 0);
  const pool = 10000 - share(fee) - levels.reduce((t, l) => t + share(l), 0);
  return (
    <Card title="Commission policy">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <p className="text-sm text-slate-600">
          A sale's commission (the product's rate) is the pool the vendor pays. The platform fee and each upline's referral override are
          shares of that pool, rounded down; the selling affiliate gets the rest (now at least {bpsToPercent(Math.max(pool, 0))} of it).
        </p>
        <FormError problem={save.problem && Object.keys(save.problem.fieldErrors).length === 0 ? save.problem : null} />
        <Field label="Platform fee (% of the pool)" name="platform_fee_bps" inputMode="decimal" value={fee}
          onChange={(e) => setFee(e.target.value)} error={save.fieldError("platform_fee_bps")} />
        <fieldset className="min-w-0 grid gap-3 sm:grid-cols-3">
          <legend className="mb-1 text-sm font-medium text-slate-700">Referral overrides (% of the pool, by level; empty ends the list)</legend>
          {levels.map((l, i) => (
            <Field key={i} label={`Level ${i + 1}`} name={`level_${i + 1}`} inputMode="decimal" value={l}
              onChange={(e) => setLevels(levels.map((x, j) => (j === i ? e.target.value : x)))} />
          ))}
        </fieldset>
        {save.fieldError("override_bps") && <p className="text-xs text-red-600" role="alert">{save.fieldError("override_bps")}</p>}
        <Select label="Attribution" name="attribution" defaultValue={settings.attribution} options={ATTRIBUTION} error={save.fieldError("attribution")} />
        <fieldset className="min-w-0 flex flex-col gap-3">
          <legend className="mb-1 text-sm font-medium text-slate-700">Fraud rules: hold a sale's commission for review when…</legend>
          <Field label="…it comes sooner after the click than (seconds; 0: never)" name="fraud_min_click_seconds" type="number" min={0} max={86400}
            defaultValue={settings.fraud_min_click_seconds} error={save.fieldError("fraud_min_click_seconds")} />
          <Field label="…one address made more sales in 24 hours than (0: never)" name="fraud_max_sales_per_address" type="number" min={0} max={1000}
            defaultValue={settings.fraud_max_sales_per_address} error={save.fieldError("fraud_max_sales_per_address")} />
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="fraud_hold_coupon_without_click" defaultChecked={settings.fraud_hold_coupon_without_click} />
            …it came by coupon and its affiliate has no recorded click on the product
          </label>
          <p className="text-xs text-slate-500">Self-referral (the affiliate's own email, id or sign-in address buys) is always held.</p>
        </fieldset>
        <fieldset className="min-w-0 grid gap-3 sm:grid-cols-3">
          <legend className="mb-1 text-sm font-medium text-slate-700">Tiers: approved earnings over 90 days that reach each, and its commission bonus (%)</legend>
          {["Silver", "Gold", "Platinum"].map((name, i) => (
            <div key={name} className="flex flex-col gap-2">
              <Field label={`${name} from (${settings.default_currency})`} name={`tier_threshold_${i + 1}`} inputMode="decimal"
                defaultValue={fromMinor(settings.tier_thresholds[i] ?? 0, settings.default_currency)} />
              <Field label={`${name} bonus (%)`} name={`tier_bonus_${i + 1}`} inputMode="decimal" defaultValue={bpsToInput(settings.tier_bonus_bps[i] ?? 0)} />
            </div>
          ))}
        </fieldset>
        {(save.fieldError("tier_thresholds") ?? save.fieldError("tier_bonus_bps")) && (
          <p className="text-xs text-red-600" role="alert">{save.fieldError("tier_thresholds") ?? save.fieldError("tier_bonus_bps")}</p>
        )}
        <RecurringFields settings={settings} fieldError={save.fieldError} />
        <fieldset className="min-w-0 grid gap-3 sm:grid-cols-2">
          <legend className="mb-1 text-sm font-medium text-slate-700">Payouts</legend>
          <Field label={`Payout threshold (${settings.default_currency})`} name="payout_threshold" inputMode="decimal"
            defaultValue={fromMinor(settings.payout_threshold_minor, settings.default_currency)} error={save.fieldError("payout_threshold_minor")}
            hint="The least available balance a batch pays." />
          <Select label="Schedule" name="payout_schedule" defaultValue={settings.payout_schedule} options={SCHEDULES} error={save.fieldError("payout_schedule")} />
        </fieldset>
        <Button type="submit" busy={save.isPending}>Save commission policy</Button>
        {save.isSuccess && <p className="text-sm text-green-700" role="status">Commission policy saved.</p>}
      </form>
    </Card>
  );
}

function ContentSettingsCard({ settings }: { settings: Schemas["TenantSettings"] }) {
  const save = useUpdateSettings();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    save.mutate({
      content_credits_monthly: v.content_credits_monthly?.trim() === "" ? -1 : Number(v.content_credits_monthly),
      content_disclosure: v.content_disclosure ?? "",
    });
  };
  return (
    <Card title="Marketing content">
      <form aria-label="Marketing content" onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError problem={save.problem && Object.keys(save.problem.fieldErrors).length === 0 ? save.problem : null} />
        <Field label="Content credits per month" name="content_credits_monthly" type="number" min={0} max={1000000}
          defaultValue={settings.content_credits_monthly} error={save.fieldError("content_credits_monthly")}
          hint="Each generated post costs one credit; credits renew on the 1st of each month (UTC)." />
        <Field label="Disclosure" name="content_disclosure" maxLength={40} defaultValue={settings.content_disclosure}
          error={save.fieldError("content_disclosure")} hint="Added to every generated post, after the affiliate's link (advertising rules ask for it)." />
        <Button type="submit" busy={save.isPending}>Save content settings</Button>
        {save.isSuccess && <p className="text-sm text-green-700" role="status">Content settings saved.</p>}
      </form>
    </Card>
  );
}
