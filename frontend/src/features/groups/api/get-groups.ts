// The organisation's affiliate groups, by name.
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { Group } from "../types";
import { groupKeys } from "./keys";
import { call } from "./request";

export const getGroups = async () => call<Group[]>("GET", "/api/v1/groups");

export const getGroupsQueryOptions = () => queryOptions({ queryKey: groupKeys.list, queryFn: getGroups });

export const useGroups = () => useQuery(getGroupsQueryOptions());
