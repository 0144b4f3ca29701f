// The marketplace: approved products with filters (category, price, commission, grade), sorting
// and "load more" paging. Prices and commissions are entered in the chosen currency's units. A
// product's "Quick look" opens it in a drawer over the results (`?product=` in the address, so
// Back closes it and the address shares it).
import { createContext, useContext, useId, useState, type ComponentType, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, Field, Select } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { toMinor } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useCategories } from "../api/get-categories";
import { useMarketplace } from "../api/get-marketplace";
import { GRADES, type Grade, type MarketFilters, type Product } from "../types";
import { ProductCard } from "./parts";
import { ProductDrawer, type LinkSlot, type SimilarSlot } from "./ProductDrawer";

const SORTS = [
  { value: "newest", label: "Newest" },
  { value: "commission", label: "Highest commission" },
  { value: "epc", label: "Best earnings per click" },
];

/** What shows the results of a typed search (the search feature's hybrid search), given the
 * filters and the card to show each product with. */
export type SearchSlot = ComponentType<{
  filters: Omit<MarketFilters, "sort"> & { q: string };
  ProductCard: ComponentType<{ product: Product }>;
}>;

export function MarketplacePage({ Search, Similar, LinkCard }: {
  Search?: SearchSlot;
  Similar?: SimilarSlot;
  LinkCard?: LinkSlot;
}) {
  const { me } = useAuth();
  const [params, setParams] = useSearchParams();
  const looking = params.get("product");
  // each product opened is a step Back returns from; closing leaves no step behind
  const look = (id: string) => setParams((ps) => withProduct(ps, id));
  const close = () => setParams((ps) => withProduct(ps, null), { replace: true });
  const currency = me?.tenant.default_currency ?? "USD";
  const [filters, setFilters] = useState<MarketFilters>({ sort: "newest" });
  const [grades, setGrades] = useState<Grade[]>([]);
  const [amountError, setAmountError] = useState<string | null>(null);
  const categories = useCategories();
  const list = useMarketplace(filters);
  const sortHint = useId();

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    const amount = (name: string) => (v[name] ? toMinor(v[name], currency) : undefined);
    const [minPrice, maxPrice, minCommission] = [amount("min_price"), amount("max_price"), amount("min_commission")];
    if (minPrice === null || maxPrice === null || minCommission === null) {
      setAmountError(`Enter amounts in ${currency}, e.g. 25 or 19.90.`);
      return;
    }
    setAmountError(null);
    setFilters({
      q: v.q || undefined,
      category: v.category || undefined,
      currency: minPrice !== undefined || maxPrice !== undefined || minCommission !== undefined ? currency : undefined,
      min_price: minPrice,
      max_price: maxPrice,
      min_commission: minCommission,
      grade: grades.length ? grades : undefined,
      sort: (v.sort as MarketFilters["sort"]) ?? "newest",
    });
  };
  const toggle = (g: Grade) => setGrades((gs) => (gs.includes(g) ? gs.filter((x) => x !== g) : [...gs, g]));

  return (
    <Look value={look}>
      <div className="flex flex-col gap-6">
        <h1 className="text-2xl font-bold">Marketplace</h1>
        <Card>
          <form onSubmit={submit} className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" aria-label="Filter products" noValidate>
            <Field label="Search" name="q" placeholder={Search ? "Describe what you look for" : "Title or description"} maxLength={100} />
            <Select label="Category" name="category" defaultValue=""
              options={[{ value: "", label: "All categories" }, ...(categories.data ?? []).map((c) => ({ value: c.category, label: `${c.category} (${c.products})` }))]} />
            <Field label={`Min price (${currency})`} name="min_price" inputMode="decimal" />
            <Field label={`Max price (${currency})`} name="max_price" inputMode="decimal" />
            <Field label={`Min commission per sale (${currency})`} name="min_commission" inputMode="decimal" />
            <fieldset className="flex flex-col gap-1">
              <legend className="text-sm font-medium text-slate-700">Grade</legend>
              <div className="flex flex-wrap gap-2">
                {GRADES.map((g) => (
                  <label key={g} className="flex items-center gap-1 text-sm">
                    <input type="checkbox" checked={grades.includes(g)} onChange={() => toggle(g)} /> {g}
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="flex flex-col gap-1">
              <Select label="Sort by" name="sort" defaultValue="newest" options={SORTS} aria-describedby={Search ? sortHint : undefined} />
              {Search && <p id={sortHint} className="text-xs text-slate-500">A search ranks its results by relevance instead.</p>}
            </div>
            <Button type="submit" className="self-end">Apply filters</Button>
          </form>
          {amountError && <p className="mt-2 text-sm text-red-600" role="alert">{amountError}</p>}
        </Card>
        {Search && filters.q ? (
          <Search
            filters={{
              q: filters.q, category: filters.category, currency: filters.currency, min_price: filters.min_price,
              max_price: filters.max_price, min_commission: filters.min_commission, grade: filters.grade,
            }}
            ProductCard={MarketCard}
          />
        ) : (
          <QueryState query={list} empty="No approved products match these filters yet.">
            {(rows) => (
              <>
                <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="marketplace">
                  {rows.map((p) => <MarketCard key={p.id} product={p} />)}
                </div>
                {list.hasNextPage && (
                  <Button variant="secondary" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>
                )}
              </>
            )}
          </QueryState>
        )}
        {looking && (
          <ProductDrawer productId={looking} onClose={close} onOpen={look} Similar={Similar} LinkCard={LinkCard} />
        )}
      </div>
    </Look>
  );
}

function withProduct(params: URLSearchParams, id: string | null): URLSearchParams {
  const next = new URLSearchParams(params);
  if (id) next.set("product", id);
  else next.delete("product");
  return next;
}

/** How a card opens its product in the drawer (cards are shown by the search feature too). */
const Look = createContext<(id: string) => void>(() => undefined);

/** A product's card, and a button that opens it in the drawer. */
function MarketCard({ product }: { product: Product }) {
  const onLook = useContext(Look);
  return (
    <div className="flex flex-col gap-1">
      <ProductCard product={product} />
      <button type="button" onClick={() => onLook(product.id)} aria-label={`Quick look at ${product.title}`}
        className="self-start rounded px-2 py-1 text-sm font-medium text-brand hover:bg-slate-100">
        Quick look
      </button>
    </div>
  );
}
