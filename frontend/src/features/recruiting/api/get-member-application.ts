// The application a member joined with: terms version and when they accepted it.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { recruitingKeys } from "./keys";

export const getMemberApplication = async (userId: string) =>
  unwrap(await api.GET("/api/v1/recruiting/members/{user_id}", { params: { path: { user_id: userId } } }));

export const useMemberApplication = (userId: string) =>
  useQuery(
    queryOptions({ queryKey: recruitingKeys.member(userId), queryFn: () => getMemberApplication(userId), retry: false }),
  );
