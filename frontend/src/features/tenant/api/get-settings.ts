// The organisation's settings.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { tenantKeys } from "./keys";

export const getSettings = async () => unwrap(await api.GET("/api/v1/tenant/settings"));

export const getSettingsQueryOptions = () => queryOptions({ queryKey: tenantKeys.settings, queryFn: () => getSettings() });

export const useSettings = () => useQuery(getSettingsQueryOptions());
