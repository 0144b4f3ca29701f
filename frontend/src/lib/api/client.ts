// The typed API client (types generated into schema.d.ts from openapi.json by `npm run gen:api`).
// Middleware adds the in-memory bearer token and, on a 401, refreshes once and retries once.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { getAccessToken, refreshSession, setSession } from "./session";

export type Schemas = components["schemas"];

const pending = new Map<string, Request>();

function isAuthRoute(request: Request): boolean {
  return new URL(request.url, location.origin).pathname.startsWith("/api/v1/auth/");
}

function withToken(request: Request): Request {
  const token = getAccessToken();
  if (token) request.headers.set("Authorization", `Bearer ${token}`);
  return request;
}

export const authMiddleware: Middleware = {
  onRequest({ request, id }) {
    withToken(request);
    // Keep an untouched copy so the request (and its body) can be sent again after a refresh.
    if (!isAuthRoute(request)) pending.set(id, request.clone());
    return request;
  },
  async onResponse({ request, response, id }) {
    const copy = pending.get(id);
    pending.delete(id);
    if (response.status !== 401 || !copy || isAuthRoute(request)) return undefined;
    const session = await refreshSession();
    if (!session) return undefined; // refresh failed: already logged out
    const retried = await fetch(withToken(copy));
    if (retried.status === 401) setSession(null);
    return retried;
  },
  onError({ id }) {
    pending.delete(id);
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(authMiddleware);
