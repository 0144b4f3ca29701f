// After a product changes: its cached page and the lists that show it.
import { useQueryClient } from "@tanstack/react-query";
import type { Product } from "../types";
import { catalogKeys } from "./keys";

/** Keep a saved product's page current and refresh every list it may appear in. */
export function useProductSaved() {
  const queryClient = useQueryClient();
  return (product: Product) => {
    queryClient.setQueryData(catalogKeys.product(product.id), product);
    void queryClient.invalidateQueries({ queryKey: catalogKeys.all });
  };
}
