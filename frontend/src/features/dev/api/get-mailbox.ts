// Mail the server would have sent (development mode on loopback only; admins, with their token).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { devKeys } from "./keys";

export const getMailbox = async () => unwrap(await api.GET("/api/v1/dev/mailbox"));

export const getMailboxQueryOptions = () =>
  queryOptions({ queryKey: devKeys.mailbox, queryFn: () => getMailbox(), retry: false });

export const useMailbox = () => useQuery(getMailboxQueryOptions());
