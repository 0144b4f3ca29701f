// Tenant admins: users (role, suspend/reactivate) and invitations (invite, revoke).
import { useState, type FormEvent } from "react";
import { QueryState } from "../../../components/QueryState";
import { Badge, Button, Card, ConfirmButton, CopyButton, Field, FormError, Select } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { useAuth } from "../../../lib/auth/session";
import { formatDate } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useCreateInvitation } from "../api/create-invitation";
import { useInvitations } from "../api/get-invitations";
import { useUsers } from "../api/get-users";
import { useRevokeInvitation } from "../api/revoke-invitation";
import { useUpdateUser } from "../api/update-user";

const ROLE_OPTIONS = [
  { value: "tenant_admin", label: "Tenant admin" },
  { value: "vendor", label: "Vendor" },
  { value: "affiliate", label: "Affiliate" },
];

export function UsersPage() {
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Users</h1>
      <InviteCard />
      <UsersCard />
      <InvitationsCard />
    </div>
  );
}

function UsersCard() {
  const [q, setQ] = useState("");
  const users = useUsers(q);
  return (
    <Card title="People" actions={<input aria-label="Search users" placeholder="Search name or email" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm" value={q} onChange={(e) => setQ(e.target.value)} />}>
      <QueryState query={users} empty="No users match.">
        {(rows) => (
          <div className="relative overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase text-slate-500">
                <tr><th className="p-2">Name</th><th className="p-2">Email</th><th className="p-2">Role</th><th className="p-2">Status</th><th className="relative p-2"><span className="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {rows.map((u) => <UserRow key={u.id} user={u} />)}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {users.hasNextPage && (
        <Button variant="secondary" className="mt-3" busy={users.isFetchingNextPage} onClick={() => void users.fetchNextPage()}>Load more</Button>
      )}
    </Card>
  );
}

function UserRow({ user }: { user: Schemas["UserRead"] }) {
  const { me } = useAuth();
  const m = useUpdateUser();
  const self = me?.id === user.id;
  const suspended = user.status === "suspended";
  const [role, setRole] = useState<Schemas["UserUpdate"]["role"] | null>(null); // asked, not yet confirmed
  const roleName = (ROLE_OPTIONS.find((o) => o.value === role)?.label ?? "").toLowerCase();
  return (
    <tr className="border-t border-slate-100" data-testid={`user-row-${user.email}`}>
      <td className="p-2">{user.name}</td>
      <td className="p-2 break-all">{user.email}</td>
      <td className="p-2">
        {user.role === "platform_admin" || self ? (
          <Badge>{user.role.replace("_", " ")}</Badge>
        ) : (
          <div className="flex flex-col gap-1">
            <Select label={`Role of ${user.email}`} hideLabel value={role ?? user.role} options={ROLE_OPTIONS} disabled={m.isPending}
              onChange={(e) => setRole(e.target.value === user.role ? null : (e.target.value as Schemas["UserUpdate"]["role"]))} />
            {role && (
              <span role="group" aria-label={`Change the role of ${user.email}`} className="flex flex-wrap items-center gap-2 text-xs">
                Make {user.name} {/^[aeiou]/.test(roleName) ? "an" : "a"} {roleName}?
                <Button type="button" autoFocus onClick={() => { m.mutate({ id: user.id, role }); setRole(null); }}>Change role</Button>
                <Button type="button" variant="secondary" onClick={() => setRole(null)}>Cancel</Button>
              </span>
            )}
          </div>
        )}
      </td>
      <td className="p-2"><Badge tone={suspended ? "red" : "green"}>{user.status}</Badge></td>
      <td className="p-2 text-right">
        {!self && (
          suspended ? (
            <Button variant="secondary" busy={m.isPending} onClick={() => m.mutate({ id: user.id, status: "active" })}>Reactivate</Button>
          ) : (
            <ConfirmButton question={`Suspend ${user.name}? They are signed out until reactivated.`} action="Suspend user" busy={m.isPending}
              onConfirm={() => m.mutate({ id: user.id, status: "suspended" })}>
              Suspend
            </ConfirmButton>
          )
        )}
        {m.problem && <p className="text-xs text-red-600" role="alert">{m.problem.detail}</p>}
      </td>
    </tr>
  );
}

function InviteCard() {
  const [created, setCreated] = useState<Schemas["InvitationRead"] | null>(null);
  const m = useCreateInvitation({ onSuccess: (inv) => setCreated(inv) });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formValues(form);
    m.mutate({ email: v.email ?? "", role: (v.role ?? "vendor") as Schemas["InvitationCreate"]["role"] }, { onSuccess: () => form.reset() });
  };
  return (
    <Card title="Invite someone">
      <form onSubmit={submit} className="grid gap-4 sm:grid-cols-[1fr_12rem_auto] sm:items-start" noValidate>
        <Field label="Email" name="email" type="email" required error={m.fieldError("email")} />
        <Select label="Role" name="role" defaultValue="vendor" options={ROLE_OPTIONS} error={m.fieldError("role")} />
        <Button type="submit" busy={m.isPending} className="sm:mt-6">Send invitation</Button>
      </form>
      <div className="mt-3"><FormError problem={m.problem && Object.keys(m.problem.fieldErrors).length === 0 ? m.problem : null} /></div>
      {created?.accept_url && (
        <div className="mt-4 rounded-md bg-slate-50 p-3 text-sm" role="status">
          <p className="mb-2">Invitation for <strong>{created.email}</strong> created. The link is shown once:</p>
          <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
            <code data-testid="invite-url" className="break-all">{created.accept_url}</code>
            <CopyButton text={created.accept_url} label="Copy link" />
          </div>
        </div>
      )}
    </Card>
  );
}

function InvitationsCard() {
  const invitations = useInvitations();
  const revoke = useRevokeInvitation();
  const tone = { pending: "amber", accepted: "green", revoked: "red", expired: "slate" } as const;
  return (
    <Card title="Invitations">
      <QueryState query={invitations} retry={false} empty="No invitations yet.">
        {(rows) => (
          <ul className="divide-y divide-slate-100 text-sm">
            {rows.map((inv) => (
              <li key={inv.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <span className="break-all">{inv.email} · {inv.role.replace("_", " ")} · {formatDate(inv.created_at)}</span>
                <span className="flex items-center gap-2">
                  <Badge tone={tone[inv.status]}>{inv.status}</Badge>
                  {inv.status === "pending" && (
                    <ConfirmButton variant="secondary" question={`Revoke the invitation to ${inv.email}? Its link stops working.`} action="Revoke invitation"
                      busy={revoke.isPending} onConfirm={() => revoke.mutate(inv.id)}>Revoke</ConfirmButton>
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {invitations.hasNextPage && <Button variant="secondary" className="mt-3" onClick={() => void invitations.fetchNextPage()}>Load more</Button>}
      {revoke.problem && <FormError problem={revoke.problem} />}
    </Card>
  );
}
