// Public pages: landing, signup, login, logout, the mailed sign-up link of an approved
// affiliate, invitations, password reset. (Affiliates apply on the join page: recruiting.)
import { useEffect, useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useParams, useSearchParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError, Loading } from "../../../components/ui";
import type { Schemas, TokenResponse } from "../../../lib/api/client";
import { homeFor, useAuth } from "../../../lib/auth/session";
import { formValues } from "../../../lib/forms";
import { useAcceptInvitation } from "../api/accept-invitation";
import { useConfirmPasswordReset } from "../api/confirm-password-reset";
import { useConfirmSignup } from "../api/confirm-signup";
import { useInvitation } from "../api/get-invitation";
import { useSignup } from "../api/get-signup";
import { useLogin } from "../api/login";
import { useRequestPasswordReset } from "../api/request-password-reset";
import { useSignupOrganisation } from "../api/signup-organisation";

function useSignedIn() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return (session: TokenResponse) => {
    signIn(session);
    const next = params.get("next");
    navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : homeFor(session.user), { replace: true });
  };
}

function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="mx-auto w-full max-w-md">
      <Card title={title} level={1}>{children}</Card>
    </div>
  );
}

export function LandingPage() {
  const { me } = useAuth();
  return (
    <div className="mx-auto max-w-3xl py-10 text-center">
      <h1 className="text-3xl font-bold sm:text-5xl">Run an affiliate programme people can trust.</h1>
      <p className="mt-4 text-lg text-slate-600">
        BitNexus is a multi-tenant affiliate marketplace: vendors list products, affiliates share tracked links,
        and every commission lands in a verifiable ledger that anyone can check.
      </p>
      <div className="mt-8 flex flex-wrap justify-center gap-3">
        {me ? (
          <Link to={homeFor(me)} className="rounded-md bg-brand px-5 py-3 font-medium text-white">Open your dashboard</Link>
        ) : (
          <>
            <Link to="/signup" className="rounded-md bg-brand px-5 py-3 font-medium text-white">Create your organisation</Link>
            <Link to="/login" className="rounded-md border border-slate-300 bg-white px-5 py-3 font-medium">Log in</Link>
          </>
        )}
      </div>
    </div>
  );
}

function slugify(name: string): string {
  return name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
}

export function SignupPage() {
  const done = useSignedIn();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const m = useSignupOrganisation({ onSuccess: done });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    m.mutate({ organisation_name: v.organisation_name ?? "", slug: v.slug ?? "", name: v.name ?? "", email: v.email ?? "", password: v.password ?? "" });
  };
  return (
    <AuthCard title="Create your organisation">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError problem={m.problem && Object.keys(m.problem.fieldErrors).length === 0 ? m.problem : null} />
        <Field label="Organisation name" name="organisation_name" required value={name} error={m.fieldError("organisation_name")}
          onChange={(e) => { setName(e.target.value); if (!slugEdited) setSlug(slugify(e.target.value)); }} />
        <Field label="Slug" name="slug" required value={slug} error={m.fieldError("slug")}
          hint="Lower-case letters, digits and dashes; your sign-in and signup links use it."
          onChange={(e) => { setSlug(e.target.value); setSlugEdited(true); }} />
        <Field label="Your name" name="name" required autoComplete="name" error={m.fieldError("name")} />
        <Field label="Email" name="email" type="email" required autoComplete="email" error={m.fieldError("email")} />
        <Field label="Password" name="password" type="password" required autoComplete="new-password" error={m.fieldError("password")}
          hint="At least 10 characters; avoid common passwords." />
        <Button type="submit" busy={m.isPending}>Create organisation</Button>
      </form>
    </AuthCard>
  );
}

export function LoginPage() {
  const done = useSignedIn();
  const { me } = useAuth();
  const [params] = useSearchParams();
  const m = useLogin({ onSuccess: done });
  if (me && !m.isPending) return <Navigate to={homeFor(me)} replace />;
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    m.mutate({ organisation: v.organisation ?? "", email: v.email ?? "", password: v.password ?? "" });
  };
  return (
    <AuthCard title="Log in">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError problem={m.problem} />
        <Field label="Organisation" name="organisation" required defaultValue={params.get("org") ?? ""} error={m.fieldError("organisation")} />
        <Field label="Email" name="email" type="email" required autoComplete="email" error={m.fieldError("email")} />
        <Field label="Password" name="password" type="password" required autoComplete="current-password" error={m.fieldError("password")} />
        <Button type="submit" busy={m.isPending}>Log in</Button>
        <div className="flex justify-between text-sm">
          <Link to="/forgot-password" className="text-brand">Forgot password?</Link>
          <Link to="/signup" className="text-brand">Create an organisation</Link>
        </div>
      </form>
    </AuthCard>
  );
}

export function LogoutPage() {
  const { signOut } = useAuth();
  const navigate = useNavigate();
  useEffect(() => {
    void signOut().finally(() => navigate("/login", { replace: true }));
  }, [signOut, navigate]);
  return <Loading />;
}

export function ConfirmSignupPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const signup = useSignup(token);
  if (signup.isError) return <AuthCard title="Finish joining"><QueryState query={signup} retry={false}>{() => null}</QueryState></AuthCard>;
  return <QueryState query={signup} retry={false}>{(s) => <ConfirmSignupForm token={token} signup={s} />}</QueryState>;
}

function ConfirmSignupForm({ token, signup }: { token: string; signup: Schemas["SignupPublic"] }) {
  const done = useSignedIn();
  const m = useConfirmSignup({ onSuccess: done });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    m.mutate({ token, password: formValues(e.currentTarget).password ?? "" });
  };
  return (
    <AuthCard title={`Finish joining ${signup.tenant.display_name}`}>
      <p className="mb-4 text-sm text-slate-600">
        Welcome, {signup.name}: choose a password for <strong>{signup.email}</strong>.
      </p>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError problem={m.problem && !m.fieldError("password") ? m.problem : null} />
        <Field label="Password" name="password" type="password" required autoComplete="new-password" error={m.fieldError("password")} />
        <Button type="submit" busy={m.isPending}>Create account</Button>
      </form>
    </AuthCard>
  );
}

export function AcceptInvitePage() {
  const { token = "" } = useParams();
  const inv = useInvitation(token);
  if (inv.isError) return <AuthCard title="Accept an invitation"><QueryState query={inv} retry={false}>{() => null}</QueryState></AuthCard>;
  return <QueryState query={inv} retry={false}>{(i) => <AcceptInviteForm token={token} invitation={i} />}</QueryState>;
}

function AcceptInviteForm({ token, invitation }: { token: string; invitation: Schemas["InvitationPublic"] }) {
  const done = useSignedIn();
  const m = useAcceptInvitation(token, { onSuccess: done });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    m.mutate({ name: v.name ?? "", password: v.password ?? "" });
  };
  return (
    <AuthCard title={`Join ${invitation.tenant.display_name}`}>
      <p className="mb-4 text-sm text-slate-600">
        You were invited as <strong>{invitation.role.replace("_", " ")}</strong> with the email <strong>{invitation.email}</strong>.
      </p>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError problem={m.problem && Object.keys(m.problem.fieldErrors).length === 0 ? m.problem : null} />
        <Field label="Name" name="name" required error={m.fieldError("name")} />
        <Field label="Password" name="password" type="password" required autoComplete="new-password" error={m.fieldError("password")} />
        <Button type="submit" busy={m.isPending}>Accept invitation</Button>
      </form>
    </AuthCard>
  );
}

export function ForgotPasswordPage() {
  const m = useRequestPasswordReset();
  if (m.isSuccess) {
    return (
      <AuthCard title="Check your inbox">
        <p className="text-sm text-slate-600">If that account exists, we sent a link to reset its password. It works once, for one hour.</p>
      </AuthCard>
    );
  }
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    m.mutate({ organisation: v.organisation ?? "", email: v.email ?? "" });
  };
  return (
    <AuthCard title="Reset your password">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError problem={m.problem} />
        <Field label="Organisation" name="organisation" required error={m.fieldError("organisation")} />
        <Field label="Email" name="email" type="email" required error={m.fieldError("email")} />
        <Button type="submit" busy={m.isPending}>Send reset link</Button>
      </form>
    </AuthCard>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const m = useConfirmPasswordReset();
  if (m.isSuccess) {
    return (
      <AuthCard title="Password changed">
        <p className="text-sm text-slate-600">Your password is set. <Link to="/login" className="text-brand">Log in</Link> with it.</p>
      </AuthCard>
    );
  }
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    m.mutate({ token: params.get("token") ?? "", password: v.password ?? "" });
  };
  return (
    <AuthCard title="Choose a new password">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError problem={m.problem && !m.fieldError("password") ? m.problem : null} />
        <Field label="New password" name="password" type="password" required autoComplete="new-password" error={m.fieldError("password")} />
        <Button type="submit" busy={m.isPending}>Set password</Button>
      </form>
    </AuthCard>
  );
}
