// Coupon codes (a vendor's, or the ones assigned to an affiliate).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const getCoupons = async () => unwrap(await api.GET("/api/v1/coupons"));

export const getCouponsQueryOptions = () => queryOptions({ queryKey: commissionKeys.coupons, queryFn: () => getCoupons() });

export const useCoupons = () => useQuery(getCouponsQueryOptions());
