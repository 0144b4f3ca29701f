// RFC 9457 problem details from the API, shaped for forms.

export interface Problem {
  status: number;
  title: string;
  detail: string;
  fieldErrors: Record<string, string>;
  retryAfter?: number;
}

interface RawProblem {
  title?: string;
  detail?: string | null;
  status?: number;
  errors?: { field?: string; detail?: string }[];
  retry_after?: number;
}

export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }
}

export function toProblem(error: unknown, response?: Response): Problem {
  const raw = (error ?? {}) as RawProblem;
  const fieldErrors: Record<string, string> = {};
  for (const e of raw.errors ?? []) {
    if (e.field && e.detail && !(e.field in fieldErrors)) fieldErrors[e.field] = e.detail;
  }
  const status = raw.status ?? response?.status ?? 0;
  return {
    status,
    title: raw.title ?? (status ? `Error ${status}` : "Network error"),
    detail: raw.detail ?? raw.title ?? "Something went wrong. Please try again.",
    fieldErrors,
    retryAfter: raw.retry_after,
  };
}

/** The ApiError of a failed response read without openapi-fetch: its problem+json body, if any. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  return new ApiError(toProblem(body, response));
}

/** Unwrap an openapi-fetch result: the data, or throw an ApiError carrying the problem. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(toProblem(result.error, result.response));
  }
  return result.data as T;
}

export function problemOf(error: unknown): Problem | null {
  if (error instanceof ApiError) return error.problem;
  if (error) return toProblem({ detail: String(error) });
  return null;
}
