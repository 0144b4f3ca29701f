// The group the signed-in affiliate is in (null: none) and the terms their new sales earn by.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { groupKeys } from "./keys";

export const useMyGroup = () =>
  useQuery({ queryKey: groupKeys.mine, queryFn: async () => unwrap(await api.GET("/api/v1/groups/mine")) });
