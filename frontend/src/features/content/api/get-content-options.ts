// Platforms with their limits, tones, lengths, the provider and the organisation's disclosure.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { contentKeys } from "./keys";

export const getContentOptions = async () => unwrap(await api.GET("/api/v1/content/options"));

export const getContentOptionsQueryOptions = () =>
  queryOptions({ queryKey: contentKeys.options, queryFn: getContentOptions, staleTime: 5 * 60_000 });

export const useContentOptions = () => useQuery(getContentOptionsQueryOptions());
