// An endpoint's delivery log: each message's status and attempts; opened, every attempt's
// request and response; redeliver.
import { useState } from "react";
import { QueryState } from "../../../components/QueryState";
import { Badge, Button } from "../../../components/ui";
import { count, formatDate } from "../../../lib/format";
import { useDeliveries } from "../api/get-deliveries";
import { useDelivery } from "../api/get-delivery";
import { useRedeliver } from "../api/redeliver";

const TONES = { succeeded: "green", failed: "red", pending: "amber" } as const;

function tone(status: string) {
  return TONES[status as keyof typeof TONES] ?? "slate";
}

function Headers({ headers }: { headers: Record<string, unknown> | null | undefined }) {
  if (!headers) return null;
  return (
    <pre tabIndex={0} className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs">
      {Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}`).join("\n")}
    </pre>
  );
}

function Attempts({ endpointId, deliveryId }: { endpointId: string; deliveryId: string }) {
  const delivery = useDelivery(endpointId, deliveryId);
  return (
    <QueryState query={delivery}>
      {(d) => (
        <div className="mt-2 space-y-3" data-testid="delivery-detail">
          {d.attempt_log.length === 0 && <p className="text-xs text-slate-500">Not attempted yet.</p>}
          {d.attempt_log.map((a) => (
            <div key={a.id} className="rounded border border-slate-200 p-2 text-xs">
              <p className="font-medium">
                {formatDate(a.attempted_at)} · {a.response_status ?? "no answer"} · {a.duration_ms} ms
                {a.error && <span className="text-red-600"> · {a.error}</span>}
              </p>
              <p className="mt-1 font-semibold">Request: POST {a.url}</p>
              <Headers headers={a.request_headers} />
              <pre tabIndex={0} className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2">{a.request_body}</pre>
              {a.response_status !== null && (
                <>
                  <p className="mt-1 font-semibold">Response: {a.response_status}</p>
                  <Headers headers={a.response_headers} />
                  <pre tabIndex={0} className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2">{a.response_body}</pre>
                </>
              )}
            </div>
          ))}
        </div>
      )}
    </QueryState>
  );
}

export function DeliveryLog({ endpointId }: { endpointId: string }) {
  const deliveries = useDeliveries(endpointId);
  const redeliver = useRedeliver();
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="mt-3">
      <h4 className="text-sm font-semibold">Delivery log</h4>
      <QueryState query={deliveries} empty="No deliveries yet.">
        {(rows) => (
          <ul className="divide-y divide-slate-100 text-sm" data-testid="delivery-log">
            {rows.map((d) => (
              <li key={d.id} className="py-2">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <button type="button" className="text-left" onClick={() => setOpen(open === d.id ? null : d.id)} aria-expanded={open === d.id}>
                    <code>{d.event_type}</code> <Badge tone={tone(d.status)}>{d.status}</Badge>{" "}
                    <span className="text-xs text-slate-500">
                      {formatDate(d.created_at)} · {count(d.attempts, "failed attempt")}
                      {d.next_attempt_at && d.status === "pending" ? ` · next ${formatDate(d.next_attempt_at)}` : ""}
                    </span>
                  </button>
                  <Button
                    variant="secondary"
                    busy={redeliver.isPending && redeliver.variables?.deliveryId === d.id}
                    onClick={() => redeliver.mutate({ endpointId, deliveryId: d.id })}
                  >
                    Redeliver
                  </Button>
                </div>
                {open === d.id && <Attempts endpointId={endpointId} deliveryId={d.id} />}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {redeliver.problem && <p className="text-xs text-red-600" role="alert">{redeliver.problem.detail}</p>}
    </div>
  );
}
