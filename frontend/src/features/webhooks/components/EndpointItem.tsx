// One endpoint: its event types (editable), enable/disable, secret rotation, test-send, delete,
// and its delivery log.
import { useState } from "react";
import { Badge, Button } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { formatDate } from "../../../lib/format";
import { useDeleteEndpoint } from "../api/delete-endpoint";
import { useRotateSecret } from "../api/rotate-secret";
import { useSendTest } from "../api/send-test";
import { useUpdateEndpoint } from "../api/update-endpoint";
import { DeliveryLog } from "./DeliveryLog";
import { EventTypePicker } from "./EventTypePicker";
import { SecretNotice } from "./SecretNotice";
import type { EventType } from "../types";

export function EndpointItem({ endpoint }: { endpoint: Schemas["EndpointRead"] }) {
  const [editing, setEditing] = useState<EventType[] | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const update = useUpdateEndpoint({ onSuccess: () => setEditing(null) });
  const rotate = useRotateSecret({ onSuccess: (made) => setSecret(made.secret) });
  const test = useSendTest();
  const remove = useDeleteEndpoint();
  const problem = update.problem ?? rotate.problem ?? test.problem ?? remove.problem;
  return (
    <li className="py-4" data-testid={`webhook-endpoint-${endpoint.url}`}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="flex flex-col">
          <span className="break-all font-medium">{endpoint.url}</span>
          {endpoint.description && <span className="text-xs text-slate-600">{endpoint.description}</span>}
          <span className="text-xs text-slate-500">
            created {formatDate(endpoint.created_at)}
            {endpoint.consecutive_failures > 0 && ` · ${endpoint.consecutive_failures} failures in a row`}
            {endpoint.previous_secret_until && ` · old secret signs until ${formatDate(endpoint.previous_secret_until)}`}
          </span>
          <span className="mt-1">
            {endpoint.enabled ? <Badge tone="green">enabled</Badge> : <Badge tone="red">disabled</Badge>}{" "}
            {endpoint.vendor_scoped && <Badge>own products only</Badge>}
          </span>
          {endpoint.disabled_reason && <span className="text-xs text-red-600">{endpoint.disabled_reason}</span>}
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" busy={test.isPending} onClick={() => test.mutate(endpoint.id)}>Send test</Button>
          <Button
            variant="secondary"
            busy={update.isPending && editing === null}
            onClick={() => update.mutate({ id: endpoint.id, body: { enabled: !endpoint.enabled } })}
          >
            {endpoint.enabled ? "Disable" : "Enable"}
          </Button>
          <Button variant="secondary" onClick={() => setEditing(editing ? null : endpoint.event_types)}>Edit events</Button>
          <Button variant="secondary" busy={rotate.isPending} onClick={() => rotate.mutate({ id: endpoint.id, overlapHours: 24 })}>
            Rotate secret
          </Button>
          <Button variant="danger" busy={remove.isPending} onClick={() => remove.mutate(endpoint.id)}>Delete</Button>
        </div>
      </div>
      <p className="mt-1 text-xs text-slate-600">{endpoint.event_types.map((t) => <code key={t} className="mr-2">{t}</code>)}</p>
      {editing && (
        <div className="mt-2 rounded border border-slate-200 p-3">
          <EventTypePicker selected={editing} onChange={setEditing} error={update.fieldError("event_types")} />
          <Button className="mt-2" busy={update.isPending} onClick={() => update.mutate({ id: endpoint.id, body: { event_types: editing } })}>
            Save event types
          </Button>
        </div>
      )}
      {secret && <SecretNotice secret={secret}>The secret was rotated; the old one also signs for 24 hours.</SecretNotice>}
      {problem && <p className="text-xs text-red-600" role="alert">{problem.detail}</p>}
      <DeliveryLog endpointId={endpoint.id} />
    </li>
  );
}
