import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./api/problem";

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Client errors (4xx) will not go away by retrying; network and 5xx errors might.
      retry: (count, error) => !(error instanceof ApiError && error.problem.status < 500 && error.problem.status > 0) && count < 2,
      staleTime: 30_000,
      refetchOnWindowFocus: false,
    },
  },
});
