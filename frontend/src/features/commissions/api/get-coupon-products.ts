// The vendor's approved products, offered when assigning a coupon.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const getCouponProducts = async () =>
  unwrap(await api.GET("/api/v1/products", { params: { query: { status: "approved", limit: 50 } } }));

export const getCouponProductsQueryOptions = () =>
  queryOptions({ queryKey: commissionKeys.couponProducts, queryFn: () => getCouponProducts() });

export const useCouponProducts = () => useQuery(getCouponProductsQueryOptions());
