// The bell in the header: a link to the notification centre with the unread count, which a
// new notification raises at once (the user's topic), or within 30 s while the socket is down.
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { useAuth } from "../../../lib/auth/session";
import { useTopic } from "../../../lib/socket";
import { useUnread } from "../api/get-unread";
import { notificationKeys } from "../api/keys";

export function NotificationBell() {
  const { me } = useAuth();
  const queryClient = useQueryClient();
  useTopic(me ? `user:${me.id}` : null, (event) => {
    if (event.type === "notification.created") void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
  });
  const unread = useUnread().data?.unread ?? 0;
  return (
    <Link
      to="/app/notifications"
      className="relative rounded-md px-2 py-1 text-slate-700 hover:bg-slate-100"
      aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}
      data-testid="bell"
    >
      <svg viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden>
        <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {unread > 0 && (
        <span className="absolute -right-1 -top-1 min-w-5 rounded-full bg-red-600 px-1 text-center text-xs font-semibold text-white" data-testid="bell-count">
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </Link>
  );
}
