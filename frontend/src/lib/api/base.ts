// Where the API is. Built with VITE_API_BASE_URL (the web app on an origin of its own, e.g. a
// CDN host: docs/deploy-origin.md) every request goes there, with the refresh cookie sent
// cross-site; unset, the API is this page's own origin.
const configured: string = (import.meta.env.VITE_API_BASE_URL ?? "").replace(/\/+$/, "");

/** "" when the API is this page's origin, else its base URL (no trailing slash). */
export const API_BASE = configured;

/** Cookies go with API requests: to this origin only, or to the API's other origin too. */
export const apiCredentials: RequestCredentials = configured ? "include" : "same-origin";

/** A URL of the API from one of its paths (`/api/v1/…`), or a URL it handed out: a path it
 * names, such as an image's, lives on the API's origin, not the page's. */
export function apiUrl(path: string): string {
  return path.startsWith("/") && !path.startsWith("//") ? API_BASE + path : path;
}

/** The API's origin, for commands shown to copy (curl, the ledger verifier). */
export function apiOrigin(): string {
  return configured ? new URL(configured).origin : window.location.origin;
}

/** The WebSocket URL of an API path. */
export function socketUrl(path: string): string {
  const url = new URL(apiUrl(path), window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}
