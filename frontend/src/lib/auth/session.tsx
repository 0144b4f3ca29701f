// Who is logged in. The session starts from the refresh cookie on load; the access token stays
// in memory (lib/api/client.ts). `me` is a query so settings changes can refresh branding.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { endSession, onSessionChange, refreshSession, signInWith, type Me, type TokenResponse } from "../api/client";
import { applyBrand } from "../branding/apply-brand";
import { getMeQueryOptions, sessionKeys } from "./get-me";

type Status = "loading" | "anonymous" | "authenticated";

interface AuthValue {
  status: Status;
  me: Me | null;
  signIn: (session: TokenResponse) => void;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>("loading");

  const signedIn = useRef(false);

  useEffect(() => {
    const off = onSessionChange((session) => {
      if (session) {
        signedIn.current = true;
        queryClient.setQueryData(sessionKeys.me, session.user);
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

  const meQuery = useQuery({ ...getMeQueryOptions(), enabled: status === "authenticated" });
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
