// The organisation's invitations.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { userKeys } from "./keys";

export const getInvitations = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/invitations", { params: { query: { cursor: cursor ?? undefined, limit: 50 } } }));

export const getInvitationsQueryOptions = () => cursorListOptions(userKeys.invitations, (cursor) => getInvitations(cursor));

export const useInvitations = () => useInfiniteQuery(getInvitationsQueryOptions());
