// What an affiliate might promote next: like what they promote and sell, or the best earners.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { searchKeys } from "./keys";

export const getRecommendations = async () =>
  unwrap(await api.GET("/api/v1/me/recommendations", { params: { query: { limit: 6 } } }));

export const getRecommendationsQueryOptions = () =>
  queryOptions({ queryKey: searchKeys.recommendations, queryFn: () => getRecommendations() });

export const useRecommendations = () => useQuery(getRecommendationsQueryOptions());
