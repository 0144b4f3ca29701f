// A product's review decisions, newest first.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { catalogKeys } from "./keys";

export const getProductReviews = async (id: string) =>
  unwrap(await api.GET("/api/v1/products/{product_id}/reviews", { params: { path: { product_id: id } } }));

export const getProductReviewsQueryOptions = (id: string) =>
  queryOptions({ queryKey: catalogKeys.reviews(id), queryFn: () => getProductReviews(id) });

export const useProductReviews = (id: string) => useQuery(getProductReviewsQueryOptions(id));
