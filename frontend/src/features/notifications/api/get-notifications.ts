// The caller's notifications, newest first.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { notificationKeys } from "./keys";

export const getNotifications = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/notifications", { params: { query: { cursor: cursor ?? undefined } } }));

export const getNotificationsQueryOptions = () => cursorListOptions(notificationKeys.list, getNotifications);

export const useNotifications = () => useInfiniteQuery(getNotificationsQueryOptions());
