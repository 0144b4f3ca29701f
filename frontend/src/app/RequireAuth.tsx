// The route guard: a page for signed-in users, or for some roles only.
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { Loading } from "../components/ui";
import type { Me } from "../lib/api/client";
import { useAuth } from "../lib/auth/session";

/** Render children only for a logged-in user with one of `roles` (any role when omitted). */
export function RequireAuth({ roles, children }: { roles?: Me["role"][]; children: ReactNode }) {
  const { status, me } = useAuth();
  const location = useLocation();
  if (status === "loading" || (status === "authenticated" && !me)) return <Loading />;
  if (status === "anonymous" || !me) {
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  }
  if (roles && !roles.includes(me.role)) {
    return <p className="p-6 text-sm text-slate-600">Your role ({me.role.replace("_", " ")}) cannot open this page.</p>;
  }
  return <>{children}</>;
}
