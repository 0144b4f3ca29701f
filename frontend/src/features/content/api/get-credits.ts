// The organisation's content credits this month.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { contentKeys } from "./keys";

export const getCredits = async () => unwrap(await api.GET("/api/v1/content/credits"));

export const getCreditsQueryOptions = () => queryOptions({ queryKey: contentKeys.credits, queryFn: getCredits });

export const useCredits = () => useQuery(getCreditsQueryOptions());
