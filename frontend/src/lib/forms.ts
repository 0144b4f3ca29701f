// Form helpers: a mutation whose error is a Problem with per-field messages.
import { useMutation, type UseMutationOptions } from "@tanstack/react-query";
import { problemOf, type Problem } from "./api/problem";

export function useApiMutation<TVars, TData>(
  mutationFn: (vars: TVars) => Promise<TData>,
  options: Omit<UseMutationOptions<TData, Error, TVars>, "mutationFn"> = {},
) {
  const mutation = useMutation<TData, Error, TVars>({ mutationFn, ...options });
  const problem: Problem | null = problemOf(mutation.error);
  return { ...mutation, problem, fieldError: (name: string) => problem?.fieldErrors[name] };
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((value, key) => {
    out[key] = typeof value === "string" ? value : "";
  });
  return out;
}
