// Webhooks: register endpoints (the signing secret shown once) and manage them.
import { useState, type FormEvent } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, FormError } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { formValues } from "../../../lib/forms";
import { useCreateEndpoint } from "../api/create-endpoint";
import { useEndpoints } from "../api/get-endpoints";
import { EndpointItem } from "./EndpointItem";
import { EventTypePicker } from "./EventTypePicker";
import { SecretNotice } from "./SecretNotice";
import type { EventType } from "../types";

export function WebhooksPage() {
  const endpoints = useEndpoints();
  const [types, setTypes] = useState<EventType[]>([]);
  const [created, setCreated] = useState<Schemas["EndpointWithSecret"] | null>(null);
  const create = useCreateEndpoint({ onSuccess: (made) => setCreated(made) });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formValues(form);
    create.mutate(
      { url: v.url ?? "", description: v.description ?? "", event_types: types, enabled: true },
      { onSuccess: () => { form.reset(); setTypes([]); } },
    );
  };
  const fieldErrors = create.problem ? Object.keys(create.problem.fieldErrors) : [];
  const typesError = fieldErrors.filter((f) => f.startsWith("event_types")).map((f) => create.fieldError(f)).find(Boolean);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Webhooks</h1>
      <Card title="Add an endpoint">
        <p className="mb-3 text-sm text-slate-600">
          BitNexus POSTs each event to your URL, signed with the Standard Webhooks scheme, and retries failures for over a day.
        </p>
        <form onSubmit={submit} className="space-y-3" noValidate>
          <Field label="Endpoint URL" name="url" type="url" required maxLength={2048} placeholder="https://example.com/webhooks" error={create.fieldError("url")} />
          <Field label="Description" name="description" maxLength={500} error={create.fieldError("description")} />
          <EventTypePicker selected={types} onChange={setTypes} error={typesError} />
          <Button type="submit" busy={create.isPending}>Add endpoint</Button>
        </form>
        <div className="mt-3"><FormError problem={create.problem && fieldErrors.length === 0 ? create.problem : null} /></div>
        {created && <SecretNotice secret={created.secret}>Endpoint <strong>{created.endpoint.url}</strong> added.</SecretNotice>}
      </Card>
      <Card title="Endpoints">
        <QueryState query={endpoints} empty="No endpoints yet.">
          {(rows) => <ul className="divide-y divide-slate-100">{rows.map((e) => <EndpointItem key={e.id} endpoint={e} />)}</ul>}
        </QueryState>
      </Card>
    </div>
  );
}
