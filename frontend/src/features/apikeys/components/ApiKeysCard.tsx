// API keys of one scope: create (the secret is shown once), see when each was last used, revoke.
import { useState, type FormEvent, type ReactNode } from "react";
import { QueryState } from "../../../components/QueryState";
import { Badge, Button, Card, ConfirmButton, CopyButton, Field, FormError, Select } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { formatDate } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useCreateApiKey } from "../api/create-api-key";
import { useApiKeys } from "../api/get-api-keys";
import { useRevokeApiKey } from "../api/revoke-api-key";

type Scope = Schemas["ApiKeyCreate"]["scope"];
type Mode = NonNullable<Schemas["ApiKeyCreate"]["mode"]>;

const MODES = [
  { value: "live", label: "Live" },
  { value: "test", label: "Test" },
];

export function ApiKeysCard({ title, scope, children, usage }: {
  title: string;
  scope: Scope;
  children?: ReactNode;
  usage?: (secret: string) => ReactNode;
}) {
  const keys = useApiKeys(scope);
  const [created, setCreated] = useState<Schemas["ApiKeyCreated"] | null>(null);
  const create = useCreateApiKey({ onSuccess: (made) => setCreated(made) });
  const revoke = useRevokeApiKey();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formValues(form);
    create.mutate({ name: v.name ?? "", scope, mode: (v.mode ?? "live") as Mode }, { onSuccess: () => form.reset() });
  };
  return (
    <Card title={title}>
      {children}
      <form onSubmit={submit} className="grid gap-4 sm:grid-cols-[1fr_8rem_auto] sm:items-start" noValidate>
        <Field label="Key name" name="name" required maxLength={120} error={create.fieldError("name")} />
        <Select label="Mode" name="mode" defaultValue="live" options={MODES} error={create.fieldError("mode")} />
        <Button type="submit" busy={create.isPending} className="sm:mt-6">Create key</Button>
      </form>
      <div className="mt-3"><FormError problem={create.problem && Object.keys(create.problem.fieldErrors).length === 0 ? create.problem : null} /></div>
      {created && (
        <div className="mt-4 rounded-md bg-amber-50 p-3 text-sm" role="status">
          <p className="mb-2">Key <strong>{created.key.name}</strong> created. Copy it now: it is shown only once and stored only as a hash.</p>
          <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
            <code data-testid="new-api-key" className="break-all">{created.secret}</code>
            <CopyButton text={created.secret} label="Copy key" />
          </div>
          {usage?.(created.secret)}
        </div>
      )}
      <div className="mt-4">
        <QueryState query={keys} empty="No keys yet.">
          {(rows) => (
            <ul className="divide-y divide-slate-100 text-sm">
              {rows.map((k) => (
                <li key={k.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid={`api-key-${k.name}`}>
                  <span className="flex flex-col">
                    <span><strong>{k.name}</strong> <code className="text-xs">{k.display}</code> {k.mode === "test" && <Badge tone="amber">test</Badge>}</span>
                    <span className="text-xs text-slate-500">
                      created {formatDate(k.created_at)} · {k.last_used_at ? `last used ${formatDate(k.last_used_at)}` : "never used"}
                    </span>
                  </span>
                  {k.revoked_at ? <Badge tone="red">revoked</Badge> : (
                    <ConfirmButton question={`Revoke ${k.name}? Whatever uses it is refused from now on; this cannot be undone.`} action="Revoke key"
                      busy={revoke.isPending && revoke.variables === k.id} onConfirm={() => revoke.mutate(k.id)}>Revoke</ConfirmButton>
                  )}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
        {revoke.problem && <p className="text-xs text-red-600" role="alert">{revoke.problem.detail}</p>}
      </div>
    </Card>
  );
}
