// The typed API client (generated types in schema.d.ts) and the in-memory access token.
// The refresh token never touches JavaScript: it is an httpOnly cookie scoped to /api/v1/auth.
import createClient from "openapi-fetch";
import { API_BASE, apiCredentials, apiUrl } from "./base";
import { apiErrorFrom } from "./problem";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type TokenResponse = Schemas["TokenResponse"];
export type Me = Schemas["MeRead"];

let currentToken: string | null = null;
let refreshing: Promise<TokenResponse | null> | null = null;
let generation = 0; // bumped by every login and logout
const listeners = new Set<(session: TokenResponse | null) => void>();

export function setSession(session: TokenResponse | null): void {
  currentToken = session?.access_token ?? null;
  for (const listener of listeners) listener(session);
}

/** The access token in memory (null when signed out): for the socket's `auth` message. */
export function accessToken(): string | null {
  return currentToken;
}

export function onSessionChange(listener: (session: TokenResponse | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Exchange the refresh cookie for a new access token; one request at a time. A refresh that
 * finishes after a login or logout happened meanwhile is stale and ignored. */
export function refreshSession(): Promise<TokenResponse | null> {
  const started = generation;
  refreshing ??= fetch(apiUrl("/api/v1/auth/refresh"), { method: "POST", credentials: apiCredentials })
    .then(async (r) => (r.ok ? ((await r.json()) as TokenResponse) : null))
    .catch(() => null)
    .then((session) => {
      if (started !== generation) return null;
      setSession(session);
      return session;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Start a session from a login/signup answer (outdates any refresh in flight). */
export function signInWith(session: TokenResponse): void {
  generation += 1;
  setSession(session);
}

/** Log out: let a refresh in flight land first (it rotates the cookie), then end the family. */
export async function endSession(): Promise<void> {
  generation += 1;
  if (refreshing) await refreshing;
  await fetch(apiUrl("/api/v1/auth/logout"), { method: "POST", credentials: apiCredentials }).catch(() => undefined);
  generation += 1; // and any refresh that started while the logout was on its way
  setSession(null);
}

async function authedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const send = (req: Request) => {
    if (currentToken) req.headers.set("Authorization", `Bearer ${currentToken}`);
    return fetch(req);
  };
  const response = await send(input);
  const isAuthRoute = new URL(input.url).pathname.startsWith("/api/v1/auth/");
  if (response.status !== 401 || isAuthRoute || !currentToken) return response;
  const session = await refreshSession();
  return session ? send(retry) : response;
}

export const api = createClient<paths>({ baseUrl: API_BASE, fetch: authedFetch, credentials: apiCredentials });

/** A request whose answer openapi-fetch cannot hand over (a stream): the same token and refresh
 * as `api`, and a failure raised as the same ApiError, built from the problem+json body. */
export async function rawRequest(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await authedFetch(new Request(apiUrl(path), { credentials: apiCredentials, ...init }));
  if (!response.ok) throw await apiErrorFrom(response);
  return response;
}
