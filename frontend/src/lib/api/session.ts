// The session: the access token lives only in this module's memory (never in Web Storage).
// The refresh token is an httpOnly cookie scoped to /api/v1/auth that JavaScript never sees.
import type { components } from "./schema";

export type TokenResponse = components["schemas"]["TokenResponse"];

let accessToken: string | null = null;
let refreshing: Promise<TokenResponse | null> | null = null;
const listeners = new Set<(session: TokenResponse | null) => void>();

export function getAccessToken(): string | null {
  return accessToken;
}

/** Start (a TokenResponse) or end (null) the session and tell every listener. */
export function setSession(session: TokenResponse | null): void {
  accessToken = session?.access_token ?? null;
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: (session: TokenResponse | null) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Exchange the refresh cookie for a new access token. Concurrent callers share one request, so
 * a rotating refresh token is never presented twice. Resolves to null (logged out) on failure.
 */
export function refreshSession(): Promise<TokenResponse | null> {
  refreshing ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then(async (r) => (r.ok ? ((await r.json()) as TokenResponse) : null))
    .catch(() => null)
    .then((session) => {
      setSession(session);
      return session;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}
