// Whether live updates are flowing: the app's socket connected, reconnecting, or offline (pages
// then poll instead).
import { useSocketState, type SocketState } from "../lib/socket";

const LOOK: Record<SocketState, { label: string; dot: string; title: string }> = {
  connected: { label: "Live", dot: "bg-emerald-500", title: "Live updates are on." },
  reconnecting: { label: "Reconnecting…", dot: "bg-amber-400 animate-pulse", title: "Live updates paused; reconnecting." },
  offline: { label: "Offline", dot: "bg-slate-400", title: "No live updates; pages refresh every 30 s." },
};

export function ConnectionIndicator() {
  const state = useSocketState();
  const look = LOOK[state];
  return (
    <span
      className="inline-flex items-center gap-1.5 rounded-full border border-slate-200 px-2 py-0.5 text-xs text-slate-600"
      title={look.title}
      data-testid="connection-indicator"
      data-state={state}
    >
      <span className={`inline-block size-2 rounded-full ${look.dot}`} aria-hidden />
      {look.label}
    </span>
  );
}
