// RFC 9457 problem details from the API, shaped for forms: a title/detail for the top of the
// form and one message per input field (keyed by the dotted field name the API reports).

export interface Problem {
  status: number;
  title: string;
  detail: string;
  fieldErrors: Record<string, string>;
  /** Seconds to wait before trying again (429: Retry-After header or body `retry_after`). */
  retryAfter?: number;
}

interface RawProblem {
  title?: unknown;
  detail?: unknown;
  status?: unknown;
  errors?: unknown;
  retry_after?: unknown;
}

export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = "ApiError";
    this.problem = problem;
  }
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value : undefined;
}

function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}

/** Turn an error body (problem+json, other JSON, text or nothing) into a Problem. */
export function toProblem(body: unknown, response?: Response): Problem {
  const raw: RawProblem = body && typeof body === "object" ? (body as RawProblem) : {};
  const fieldErrors: Record<string, string> = {};
  if (Array.isArray(raw.errors)) {
    for (const e of raw.errors as { field?: unknown; pointer?: unknown; detail?: unknown }[]) {
      const field =
        asString(e?.field) ?? asString(e?.pointer)?.replace(/^\//, "").replaceAll("/", ".");
      const detail = asString(e?.detail);
      if (field && detail && !(field in fieldErrors)) fieldErrors[field] = detail;
    }
  }
  const status = typeof raw.status === "number" ? raw.status : (response?.status ?? 0);
  const title = asString(raw.title) ?? (status ? `Error ${status}` : "Network error");
  const detail =
    asString(raw.detail) ??
    (typeof body === "string" && body.length < 200 ? asString(body) : undefined) ??
    (status ? title : "Could not reach the server. Check your connection and try again.");
  const retryAfter =
    parseRetryAfter(response?.headers.get("Retry-After")) ??
    (typeof raw.retry_after === "number" ? raw.retry_after : undefined);
  return { status, title, detail, fieldErrors, retryAfter };
}

/** Unwrap an openapi-fetch result: the data, or throw an ApiError carrying the problem. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(toProblem(result.error, result.response));
  }
  return result.data as T;
}

/** The Problem behind any error a query or mutation may hold. */
export function problemOf(error: unknown): Problem | null {
  if (!error) return null;
  if (error instanceof ApiError) return error.problem;
  return toProblem(undefined);
}

/**
 * What to show at the top of a form: the problem unless every field error it names is shown
 * next to one of the form's own `fields`; unknown fields are listed so nothing is swallowed.
 */
export function formLevelProblem(problem: Problem | null, fields: readonly string[]): Problem | null {
  if (!problem) return null;
  const names = Object.keys(problem.fieldErrors);
  const unknown = names.filter((n) => !fields.includes(n));
  if (names.length > 0 && unknown.length === 0) return null;
  if (unknown.length === 0 || unknown.length === names.length) {
    const extra = unknown.map((n) => `${n}: ${problem.fieldErrors[n]}`).join(" ");
    return names.length && extra ? { ...problem, detail: `${problem.detail} ${extra}`.trim() } : problem;
  }
  const extra = unknown.map((n) => `${n}: ${problem.fieldErrors[n]}`).join(" ");
  return { ...problem, detail: extra };
}
