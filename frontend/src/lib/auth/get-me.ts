// The signed-in user (with their organisation), read after every sign-in and refresh.
import { queryOptions } from "@tanstack/react-query";
import { api } from "../api/client";
import { unwrap } from "../api/problem";

export const sessionKeys = { me: ["me"] as const };

export const getMe = async () => unwrap(await api.GET("/api/v1/me"));

export const getMeQueryOptions = () => queryOptions({ queryKey: sessionKeys.me, queryFn: getMe });
