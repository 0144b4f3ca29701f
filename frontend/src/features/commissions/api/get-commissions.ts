// Commission shares, optionally of one state.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import type { CommissionState } from "../types";
import { commissionKeys } from "./keys";

export const getCommissions = async (state: CommissionState | null, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/commissions", { params: { query: { state: state ?? undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const getCommissionsQueryOptions = (state: CommissionState | null) =>
  cursorListOptions(commissionKeys.commissions(state), (cursor) => getCommissions(state, cursor));

export const useCommissions = (state: CommissionState | null) => useInfiniteQuery(getCommissionsQueryOptions(state));
