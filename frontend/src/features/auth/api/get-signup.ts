// What a mailed sign-up link offers, read before it is confirmed (the token travels in a body).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { authKeys } from "./keys";

export const getSignup = async (token: string) =>
  unwrap(await api.POST("/api/v1/public/signups/preview", { body: { token } }));

export const getSignupQueryOptions = (token: string) =>
  queryOptions({ queryKey: authKeys.signup(token), queryFn: () => getSignup(token), retry: false });

export const useSignup = (token: string) => useQuery(getSignupQueryOptions(token));
