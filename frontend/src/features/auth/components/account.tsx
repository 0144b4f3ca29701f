// The signed-in user's own pages: home and profile.
import { type ComponentType, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { Badge, Button, Card, CopyButton, Field, FormError, PageTitle } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { formatDate } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useChangePassword } from "../api/change-password";
import { useEndSessions } from "../api/end-sessions";
import { useUpdateProfile } from "../api/update-profile";

// `Checklist`: what a tenant admin sets up next (the onboarding feature's card, given by the router)
export function HomePage({ Checklist }: { Checklist?: ComponentType }) {
  const { me } = useAuth();
  if (!me) return null;
  const referralLink = me.referral_code ? `${location.origin}/join/${me.tenant.slug}?ref=${me.referral_code}` : null;
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Welcome, {me.name}</h1>
      {me.role === "tenant_admin" && Checklist && <Checklist />}
      <Card title={me.tenant.display_name}>
        <p className="text-sm text-slate-600">
          You are <Badge>{me.role.replace("_", " ")}</Badge> in this organisation since {formatDate(me.created_at)}.
        </p>
      </Card>
      {referralLink && (
        <Card title="Your referral link">
          <p className="mb-3 text-sm text-slate-600">Affiliates who join through this link are recorded as referred by you.</p>
          <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
            <code data-testid="referral-link" className="break-all rounded bg-slate-100 px-2 py-1 text-sm">{referralLink}</code>
            <CopyButton text={referralLink} label="Copy link" />
          </div>
          <p className="mt-2 text-xs text-slate-500">Referral code: <strong data-testid="referral-code">{me.referral_code}</strong></p>
        </Card>
      )}
    </div>
  );
}

export function ProfilePage() {
  const { me, signIn } = useAuth();
  const navigate = useNavigate();
  const profile = useUpdateProfile();
  const password = useChangePassword();
  const everywhere = useEndSessions({ onSuccess: () => navigate("/logout", { replace: true }) });
  if (!me) return null;
  const saveProfile = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    profile.mutate({ name: formValues(e.currentTarget).name ?? "" });
  };
  const savePassword = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formValues(form);
    password.mutate(
      { current_password: v.current_password ?? "", new_password: v.new_password ?? "" },
      {
        onSuccess: (session) => {
          signIn(session); // every earlier token ended: go on with the one handed back
          form.reset();
        },
      },
    );
  };
  return (
    <div className="grid gap-6 md:grid-cols-2">
      <PageTitle className="md:col-span-2">Your account</PageTitle>
      <Card title="Profile">
        <form onSubmit={saveProfile} className="flex flex-col gap-4" noValidate>
          <FormError problem={profile.problem && !profile.fieldError("name") ? profile.problem : null} />
          <Field label="Email" value={me.email} disabled readOnly />
          <Field label="Name" name="name" defaultValue={me.name} error={profile.fieldError("name")} />
          <Button type="submit" busy={profile.isPending}>Save profile</Button>
          {profile.isSuccess && <p className="text-sm text-green-700" role="status">Saved.</p>}
        </form>
      </Card>
      <Card title="Change password">
        <form onSubmit={savePassword} className="flex flex-col gap-4" noValidate>
          <FormError problem={password.problem && Object.keys(password.problem.fieldErrors).length === 0 ? password.problem : null} />
          <Field label="Current password" name="current_password" type="password" autoComplete="current-password" error={password.fieldError("current_password")} />
          <Field label="New password" name="new_password" type="password" autoComplete="new-password" error={password.fieldError("new_password")} />
          <Button type="submit" busy={password.isPending}>Change password</Button>
          {password.isSuccess && <p className="text-sm text-green-700" role="status">Password changed; other sessions were signed out.</p>}
        </form>
      </Card>
      <Card title="Sessions">
        <p className="mb-3 text-sm text-slate-600">Sign out on every device and browser where you are signed in, this one included.</p>
        <FormError problem={everywhere.problem} />
        <Button type="button" busy={everywhere.isPending} onClick={() => everywhere.mutate()}>Sign out everywhere</Button>
      </Card>
    </div>
  );
}
