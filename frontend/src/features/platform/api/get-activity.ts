// Every organisation's size and activity over a range of days, with the platform's totals.
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { DaySpan } from "../../../components/DayRange";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { platformKeys } from "./keys";

export const getActivity = async (span: DaySpan) =>
  unwrap(await api.GET("/api/v1/platform/activity", { params: { query: span } }));

export const getActivityQueryOptions = (span: DaySpan) =>
  queryOptions({ queryKey: [...platformKeys.activity, span], queryFn: () => getActivity(span) });

export const useActivity = (span: DaySpan) => useQuery(getActivityQueryOptions(span));
