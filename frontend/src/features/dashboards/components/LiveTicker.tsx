// What happens while a dashboard is open: the caller's new commissions and sales as they are
// recorded (their topic on the socket), newest first; each also refreshes the dashboard's figures.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../../lib/auth/session";
import { formatMoney } from "../../../lib/format";
import { useTopic, type SocketEvent } from "../../../lib/socket";

const SHOWN = 5;
// the events that change a dashboard's figures, and how the ticker words those it shows
const WORDS: Record<string, (d: Record<string, unknown>) => string | null> = {
  "commission.created": (d) => `New commission: ${formatMoney(Number(d.amount_minor), String(d.currency))}${d.product_title ? ` on ${String(d.product_title)}` : ""}`,
  "conversion.created": (d) => `New sale: ${formatMoney(Number(d.amount_minor), String(d.currency))}${d.product_title ? ` of ${String(d.product_title)}` : ""}`,
  "commission.matured": (d) => `Now available: ${formatMoney(Number(d.amount_minor), String(d.currency))}`,
  "commission.reversed": () => null,
  "commission.clawed_back": () => null,
  "click.recorded": () => null,
};

export function LiveTicker() {
  const { me } = useAuth();
  const queryClient = useQueryClient();
  const [lines, setLines] = useState<{ id: number; text: string }[]>([]);
  const topic = !me ? null : me.role === "tenant_admin" ? `admins:${me.tenant.id}` : `user:${me.id}`;
  useTopic(topic, (event: SocketEvent) => {
    const words = WORDS[event.type];
    if (!words) return;
    void queryClient.invalidateQueries({ queryKey: ["dashboards"] });
    const text = words(event.data);
    if (text) setLines((old) => [{ id: event.id, text }, ...old.filter((l) => l.id !== event.id)].slice(0, SHOWN));
  });
  if (lines.length === 0) return null;
  return (
    <div className="rounded-md border border-green-200 bg-green-50 p-3 text-sm" role="log" aria-live="polite" data-testid="live-ticker">
      {lines.map((l) => <div key={l.id}>{l.text}</div>)}
    </div>
  );
}
