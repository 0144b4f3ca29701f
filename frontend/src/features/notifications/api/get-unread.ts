// How many of the caller's notifications are unread (the bell). Asked again every
// UNREAD_POLL_MS, and whenever a notification is read.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { notificationKeys } from "./keys";

export const UNREAD_POLL_MS = 30_000;

export const getUnread = async () => unwrap(await api.GET("/api/v1/notifications/unread"));

export const getUnreadQueryOptions = () =>
  queryOptions({ queryKey: notificationKeys.unread, queryFn: getUnread, refetchInterval: UNREAD_POLL_MS });

export const useUnread = () => useQuery(getUnreadQueryOptions());
