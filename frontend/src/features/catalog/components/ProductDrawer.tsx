// A product at a glance, in a drawer over the marketplace: its terms, what it is, for an
// affiliate a link to it and a way to write about it, and products like it, without leaving the
// search or the filters behind. The product's own page (images, vetting) is one click away.
import { useEffect, useRef, type ComponentType } from "react";
import { Link } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { useAuth } from "../../../lib/auth/session";
import { useProduct } from "../api/get-product";
import type { Product } from "../types";
import { Byline, GradeBadge, Terms } from "./parts";

/** What shows products like one (the search feature's similar products); `onOpen`, when given,
 * opens one of them where this one is shown instead of on its own page. */
export type SimilarSlot = ComponentType<{ productId: string; onOpen?: (id: string) => void }>;

/** What an affiliate uses on an approved product: a link to it, a post about it (the links and
 * content features' cards), rendered keyed by the product so that their state stays with it. */
export type LinkSlot = ComponentType<{ product: Product }>;

export function ProductDrawer({ productId, onClose, onOpen, Similar, LinkCard }: {
  productId: string;
  onClose: () => void;
  onOpen: (id: string) => void;
  Similar?: SimilarSlot;
  LinkCard?: LinkSlot;
}) {
  const { me } = useAuth();
  const dialog = useRef<HTMLDialogElement>(null);
  const product = useProduct(productId);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal(); // modal: focus moves in, Escape closes, the page is inert
  }, []);
  useEffect(() => {
    dialog.current?.scrollTo({ top: 0 }); // another product opened from its similar ones
  }, [productId]);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="product-drawer-title"
      onClose={onClose}
      onClick={(e) => { if (e.target === dialog.current) dialog.current.close(); }} // the backdrop
      className="fixed inset-y-0 right-0 left-auto m-0 h-full max-h-none w-full max-w-xl overflow-y-auto bg-slate-50 p-0 shadow-xl backdrop:bg-slate-900/40"
      data-testid="product-drawer"
    >
      <div className="flex flex-col gap-4 p-4 sm:p-6">
        <QueryState query={product}>
          {(p) => (
            <>
              <Glance product={p} onClose={() => dialog.current?.close()} />
              {LinkCard && me?.role === "affiliate" && p.status === "approved" && <LinkCard key={p.id} product={p} />}
            </>
          )}
        </QueryState>
        {Similar && product.data?.status === "approved" && <Similar productId={productId} onOpen={onOpen} />}
      </div>
    </dialog>
  );
}

function Glance({ product: p, onClose }: { product: Product; onClose: () => void }) {
  return (
    <section className="flex flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <div className="flex items-start justify-between gap-3">
        <div className="flex flex-wrap items-center gap-2">
          <h2 id="product-drawer-title" className="text-xl font-bold">{p.title}</h2>
          <GradeBadge grade={p.grade} />
        </div>
        <button type="button" onClick={onClose} className="rounded px-2 py-1 text-sm text-slate-600 hover:bg-slate-100">
          Close
        </button>
      </div>
      <Byline product={p} />
      <p className="whitespace-pre-line text-sm text-slate-700">{p.description || "No description."}</p>
      <Terms product={p} />
      <Link to={`/app/products/${p.id}`} className="self-start text-sm font-medium text-brand underline">
        Open the product’s page
      </Link>
    </section>
  );
}
