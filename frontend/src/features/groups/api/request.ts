// JSON calls to the groups routes through rawRequest (the same token and ApiError as `api`),
// until the generated client knows these routes.
import { rawRequest } from "../../../lib/api/client";

export async function call<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  const response = await rawRequest(path, {
    method,
    headers: body === undefined ? undefined : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (response.status === 204 ? undefined : await response.json()) as T;
}
