// The organisation's users, optionally matching a search.
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { cursorListOptions } from "../../../lib/api/cursor";
import { unwrap } from "../../../lib/api/problem";
import { userKeys } from "./keys";

export const getUsers = async (q: string, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/users", { params: { query: { q: q || undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const getUsersQueryOptions = (q: string) => cursorListOptions(userKeys.list(q), (cursor) => getUsers(q, cursor));

export const useUsers = (q: string) => useInfiniteQuery(getUsersQueryOptions(q));
