// The marketplace's categories with their product counts.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { catalogKeys } from "./keys";

export const getCategories = async () => unwrap(await api.GET("/api/v1/marketplace/categories"));

export const getCategoriesQueryOptions = () => queryOptions({ queryKey: catalogKeys.categories, queryFn: () => getCategories() });

export const useCategories = () => useQuery(getCategoriesQueryOptions());
