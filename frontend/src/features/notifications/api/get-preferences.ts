// For each kind of notification: by mail (and in the app), in the app only, or off.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { notificationKeys } from "./keys";

export const getPreferences = async () => unwrap(await api.GET("/api/v1/notifications/preferences"));

export const getPreferencesQueryOptions = () =>
  queryOptions({ queryKey: notificationKeys.preferences, queryFn: getPreferences });

export const usePreferences = () => useQuery(getPreferencesQueryOptions());
