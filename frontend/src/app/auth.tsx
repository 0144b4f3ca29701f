// Who is logged in. The session starts from the refresh cookie on load; the access token stays
// in memory (lib/api/client.ts). `me` is a query so settings changes can refresh branding.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { api, endSession, onSessionChange, refreshSession, signInWith, type Me, type TokenResponse } from "../lib/api/client";
import { unwrap } from "../lib/api/problem";
import { Loading } from "../components/ui";
import { applyBrand } from "./branding";

type Status = "loading" | "anonymous" | "authenticated";

interface AuthValue {
  status: Status;
  me: Me | null;
  signIn: (session: TokenResponse) => void;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);
export const meQueryKey = ["me"] as const;

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>("loading");

  const signedIn = useRef(false);

  useEffect(() => {
    const off = onSessionChange((session) => {
      if (session) {
        signedIn.current = true;
        queryClient.setQueryData(meQueryKey, session.user);
        setStatus("authenticated");
      } else {
        // Forget the previous user's data on sign-out; a visitor who never signed in has
        // public queries in flight that must not be dropped.
        if (signedIn.current) queryClient.removeQueries();
        signedIn.current = false;
        setStatus("anonymous");
      }
    });
    void refreshSession();
    return () => {
      off();
    };
  }, [queryClient]);

  const meQuery = useQuery({
    queryKey: meQueryKey,
    queryFn: async () => unwrap(await api.GET("/api/v1/me")),
    enabled: status === "authenticated",
  });
  const me = status === "authenticated" ? (meQuery.data ?? null) : null;

  useEffect(() => {
    applyBrand(me ? { color: me.tenant.brand_color, name: me.tenant.display_name } : null);
  }, [me]);

  const value = useMemo<AuthValue>(
    () => ({
      status,
      me,
      signIn: signInWith,
      signOut: endSession,
    }),
    [status, me],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

export function homeFor(me: Me): string {
  return me.role === "platform_admin" ? "/platform/tenants" : "/app";
}

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
