// An invitation, read by the invited person before they accept it.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { authKeys } from "./keys";

export const getInvitation = async (token: string) =>
  unwrap(await api.GET("/api/v1/public/invitations/{token}", { params: { path: { token } } }));

export const getInvitationQueryOptions = (token: string) =>
  queryOptions({ queryKey: authKeys.invitation(token), queryFn: () => getInvitation(token), retry: false });

export const useInvitation = (token: string) => useQuery(getInvitationQueryOptions(token));
