// Mutations of API operations: the error as a Problem with per-field messages; on success the
// operation's own cache work (`updates` writes the answer, `invalidates` refreshes queries)
// runs before the caller's onSuccess.
import { useMutation, useQueryClient, type QueryKey, type UseMutationOptions } from "@tanstack/react-query";
import { problemOf, type Problem } from "./problem";

type Operation = (...args: never[]) => Promise<unknown>;
type VarsOf<F extends Operation> = Parameters<F> extends [infer V, ...unknown[]] ? V : void;

/** What a caller adds to an operation's mutation hook (its onSuccess, onError…). */
export type MutationConfig<F extends Operation> = Omit<UseMutationOptions<Awaited<ReturnType<F>>, Error, VarsOf<F>>, "mutationFn">;

export function useApiMutation<TVars, TData>(
  mutationFn: (vars: TVars) => Promise<TData>,
  { updates, invalidates = [], onSuccess, ...options }: Omit<UseMutationOptions<TData, Error, TVars>, "mutationFn"> & {
    updates?: (data: TData) => void;
    invalidates?: QueryKey[];
  } = {},
) {
  const queryClient = useQueryClient();
  const mutation = useMutation<TData, Error, TVars>({
    mutationFn,
    onSuccess: (data, ...rest) => {
      updates?.(data);
      for (const queryKey of invalidates) void queryClient.invalidateQueries({ queryKey });
      return onSuccess?.(data, ...rest);
    },
    ...options,
  });
  const problem: Problem | null = problemOf(mutation.error);
  return { ...mutation, problem, fieldError: (name: string) => problem?.fieldErrors[name] };
}
