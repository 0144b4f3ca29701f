// Sales a fraud rule held, optionally of one status.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { pollUnlessLive, useSocketState } from "../../../lib/socket";
import type { HoldStatus } from "../types";
import { commissionKeys } from "./keys";

export const getFraudHolds = async (status: HoldStatus | null, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/fraud-holds", { params: { query: { status: status ?? undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const getFraudHoldsQueryOptions = (status: HoldStatus | null) =>
  cursorListOptions(commissionKeys.holds(status), (cursor) => getFraudHolds(status, cursor));

export const useFraudHolds = (status: HoldStatus | null) => {
  const socket = useSocketState();
  return useInfiniteQuery({ ...getFraudHoldsQueryOptions(status), refetchInterval: pollUnlessLive(socket) });
};
