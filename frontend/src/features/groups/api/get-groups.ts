// The organisation's affiliate groups, by name.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { groupKeys } from "./keys";

export const getGroups = async () => unwrap(await api.GET("/api/v1/groups"));

export const getGroupsQueryOptions = () => queryOptions({ queryKey: groupKeys.list, queryFn: getGroups });

export const useGroups = () => useQuery(getGroupsQueryOptions());
