// The organisation's API keys (every scope); the hook keeps one scope's.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import type { ApiKeyScope } from "../types";
import { apiKeyKeys } from "./keys";

export const getApiKeys = async () => unwrap(await api.GET("/api/v1/api-keys"));

export const getApiKeysQueryOptions = () => queryOptions({ queryKey: apiKeyKeys.all, queryFn: () => getApiKeys() });

export const useApiKeys = (scope: ApiKeyScope) =>
  useQuery({ ...getApiKeysQueryOptions(), select: (keys) => keys.filter((k) => k.scope === scope) });
