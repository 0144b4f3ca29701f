// A new notification, shown for a few seconds in a corner of whatever page is open (its
// user's topic on the socket). It takes no clicks, so it never covers what the user was about
// to press: the bell leads to it.
import { useEffect, useState } from "react";
import { useAuth } from "../../../lib/auth/session";
import { useTopic } from "../../../lib/socket";

const SHOWN_MS = 6_000;

interface Toast {
  id: number;
  title: string;
}

export function NotificationToast() {
  const { me } = useAuth();
  const [toast, setToast] = useState<Toast | null>(null);
  useTopic(me ? `user:${me.id}` : null, (event) => {
    if (event.type !== "notification.created") return;
    setToast({ id: event.id, title: String(event.data.title ?? "") });
  });
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(null), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [toast]);
  return (
    <div aria-live="polite" className="pointer-events-none fixed bottom-4 right-4 z-20">
      {toast && (
        <div key={toast.id} className="rounded-md border border-slate-200 bg-white px-4 py-3 text-sm shadow-lg" data-testid="toast">
          {toast.title}
        </div>
      )}
    </div>
  );
}
