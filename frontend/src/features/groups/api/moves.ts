// An affiliate's moves between groups (newest first), and moving them.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import type { MoveFields } from "../types";
import { groupKeys } from "./keys";

export const getMoves = async (affiliateId: string) =>
  unwrap(await api.GET("/api/v1/groups/moves", { params: { query: { affiliate_id: affiliateId, limit: 200 } } }));

export const getMovesQueryOptions = (affiliateId: string) =>
  queryOptions({ queryKey: groupKeys.moves(affiliateId), queryFn: () => getMoves(affiliateId) });

export const useMoves = (affiliateId: string) => useQuery(getMovesQueryOptions(affiliateId));

export const moveAffiliate = async (body: MoveFields) => unwrap(await api.POST("/api/v1/groups/moves", { body }));

// the directory and the profile (the affiliates feature's queries, ["affiliates", …]) show each
// affiliate's group, and the groups list counts members: all of them change with a move
export const useMoveAffiliate = (config: MutationConfig<typeof moveAffiliate> = {}) =>
  useApiMutation(moveAffiliate, { invalidates: [groupKeys.all, ["affiliates"]], ...config });
