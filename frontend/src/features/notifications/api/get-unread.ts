// How many of the caller's notifications are unread (the bell): asked again when a
// notification arrives on the socket, and every 30 s while the socket is down.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { pollUnlessLive, useSocketState } from "../../../lib/socket";
import { notificationKeys } from "./keys";

export const getUnread = async () => unwrap(await api.GET("/api/v1/notifications/unread"));

export const getUnreadQueryOptions = () => queryOptions({ queryKey: notificationKeys.unread, queryFn: getUnread });

export const useUnread = () => {
  const socket = useSocketState();
  return useQuery({ ...getUnreadQueryOptions(), refetchInterval: pollUnlessLive(socket) });
};
