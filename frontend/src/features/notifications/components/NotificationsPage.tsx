// The notification centre: the caller's notifications, newest first, and their choice of
// channel for each kind (by mail and in the app, in the app only, or off).
import { useNavigate } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, ErrorState } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { useNotifications } from "../api/get-notifications";
import { usePreferences } from "../api/get-preferences";
import { useUnread } from "../api/get-unread";
import { useMarkRead } from "../api/mark-read";
import { useUpdatePreferences } from "../api/update-preferences";
import { formatDate } from "../../../lib/format";

const CHANNELS: [Schemas["Channel"], string][] = [
  ["mail", "Mail and app"],
  ["in_app", "App only"],
  ["off", "Off"],
];

export function NotificationsPage() {
  const list = useNotifications();
  const unread = useUnread().data?.unread ?? 0;
  const read = useMarkRead();
  const navigate = useNavigate();
  const open = (n: Schemas["NotificationRead"]) => {
    if (!n.read_at) read.mutate([n.id]);
    void navigate(n.link);
  };
  return (
    <div className="flex flex-col gap-6">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-bold">Notifications</h1>
        <Button variant="secondary" disabled={unread === 0} busy={read.isPending} onClick={() => read.mutate(null)}>
          Mark all read
        </Button>
      </div>
      <Card>
        <QueryState query={list} empty="Nothing yet: you will be told here of commissions, payouts and decisions.">
          {(items) => (
            <ul className="divide-y divide-slate-100" data-testid="notifications">
              {items.map((n) => (
                <li key={n.id}>
                  <button type="button" onClick={() => open(n)} className={`flex w-full flex-col items-start gap-1 p-3 text-left hover:bg-slate-50 ${n.read_at ? "" : "bg-indigo-50"}`} data-testid="notification">
                    <span className="font-medium">{!n.read_at && <span className="mr-2 inline-block size-2 rounded-full bg-brand" aria-label="unread" />}{n.title}</span>
                    <span className="text-sm text-slate-600">{n.body}</span>
                    <span className="text-xs text-slate-600">{formatDate(n.created_at)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </QueryState>
        {list.hasNextPage && <Button variant="secondary" className="mt-3" onClick={() => void list.fetchNextPage()}>Load more</Button>}
        {read.problem && <ErrorState problem={read.problem} />}
      </Card>
      <Preferences />
    </div>
  );
}

function Preferences() {
  const prefs = usePreferences();
  const update = useUpdatePreferences();
  return (
    <Card title="How you are told">
      <QueryState query={prefs}>
        {(rows) => (
          <table className="w-full text-left text-sm" data-testid="preferences">
            <tbody>
              {rows.map((p) => (
                <tr key={p.kind} className="border-t border-slate-100">
                  <td className="p-2">{p.label}</td>
                  <td className="p-2 text-right">
                    <select
                      aria-label={p.label}
                      className="rounded-md border border-slate-300 px-2 py-1"
                      value={p.channel}
                      onChange={(e) => update.mutate({ [p.kind]: e.target.value as Schemas["Channel"] })}
                    >
                      {CHANNELS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {update.problem && <ErrorState problem={update.problem} />}
    </Card>
  );
}
