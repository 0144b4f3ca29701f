// One subscription (the vendor's id for it) with its first sale and renewals.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { commissionKeys } from "./keys";

export const getSubscription = async (id: string) =>
  unwrap(await api.GET("/api/v1/conversions/subscriptions/{subscription_id}", { params: { path: { subscription_id: id } } }));

export const getSubscriptionQueryOptions = (id: string) =>
  queryOptions({ queryKey: commissionKeys.subscription(id), queryFn: () => getSubscription(id) });

export const useSubscription = (id: string) => useQuery(getSubscriptionQueryOptions(id));
