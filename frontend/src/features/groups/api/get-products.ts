// The organisation's approved products, every page of them: what a group's rule can cover.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { groupKeys } from "./keys";

export async function getProducts(): Promise<Schemas["ProductRead"][]> {
  const products: Schemas["ProductRead"][] = [];
  let cursor: string | undefined;
  do {
    const page = unwrap(await api.GET("/api/v1/products", { params: { query: { status: "approved", cursor, limit: 100 } } }));
    products.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return products;
}

export const useGroupProducts = () => useQuery(queryOptions({ queryKey: groupKeys.products, queryFn: getProducts }));
