// Development mailbox: mail the server would have sent (development mode only).
import { QueryState } from "../../../components/QueryState";
import { Card } from "../../../components/ui";
import { formatDate } from "../../../lib/format";
import { useMailbox } from "../api/get-mailbox";

function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/\S+)/g);
  return (
    <>
      {parts.map((part, i) =>
        /^https?:\/\//.test(part) ? <a key={i} href={part} className="break-all text-brand underline">{part}</a> : <span key={i}>{part}</span>,
      )}
    </>
  );
}

export function MailboxPage() {
  const mail = useMailbox();
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">Development mailbox</h1>
      <p className="text-sm text-slate-600">Mail your organisation would have been sent (every organisation's for a platform admin).</p>
      <QueryState query={mail} retry={false} empty="No mail yet.">
        {(rows) => (
          rows.map((m, i) => (
            <Card key={i} title={m.subject}>
              <p className="mb-2 text-xs text-slate-500">To {m.to} · {formatDate(m.sent_at)}</p>
              <pre className="whitespace-pre-wrap text-sm"><Linkified text={m.body} /></pre>
            </Card>
          ))
        )}
      </QueryState>
    </div>
  );
}
