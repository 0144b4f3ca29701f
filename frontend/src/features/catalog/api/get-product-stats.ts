// Each of a vendor's products' clicks, sales and commission over a range of days (the rows of
// the vendor dashboard), shown beside the products on the vendor's list.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { catalogKeys } from "./keys";

interface Days {
  start: string;
  end: string;
}

export const getProductStats = async (days: Days) =>
  unwrap(await api.GET("/api/v1/dashboards/vendor", { params: { query: days } })).products;

export const getProductStatsQueryOptions = (days: Days) =>
  queryOptions({ queryKey: catalogKeys.stats(days.start, days.end), queryFn: () => getProductStats(days) });

export const useProductStats = (days: Days, enabled: boolean) => useQuery({ ...getProductStatsQueryOptions(days), enabled });
