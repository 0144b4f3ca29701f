// Products waiting for an admin's decision, the longest waiting first.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { pollUnlessLive, useSocketState } from "../../../lib/socket";
import { catalogKeys } from "./keys";

export const getVettingQueue = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/vetting", { params: { query: { cursor: cursor ?? undefined, limit: 50 } } }));

export const getVettingQueueQueryOptions = () => cursorListOptions(catalogKeys.queue, (cursor) => getVettingQueue(cursor));

/** The queue, polled only while the socket is not connected (new submissions arrive on it). */
export const useVettingQueue = () => {
  const socket = useSocketState();
  return useInfiniteQuery({ ...getVettingQueueQueryOptions(), refetchInterval: pollUnlessLive(socket) });
};
