// One product: what an affiliate needs to decide (price, commission, cookie window, refund
// hold), and for its vendor and admins its vetting status, history, images and actions.
import { Link, useNavigate, useParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, FormError } from "../../../components/ui";
import { apiUrl } from "../../../lib/api/base";
import { useAuth } from "../../../lib/auth/session";
import { formatDate } from "../../../lib/format";
import { useArchiveProduct } from "../api/archive-product";
import { useProduct } from "../api/get-product";
import { useProductReviews } from "../api/get-product-reviews";
import { useRemoveProductImage } from "../api/remove-product-image";
import { useUploadProductImage } from "../api/upload-product-image";
import type { Product } from "../types";
import type { LinkSlot, SimilarSlot } from "./ProductDrawer";
import { Byline, GradeBadge, StatusBadge, Terms } from "./parts";
import { ReviewForm } from "./ReviewForm";

export function ProductPage({ LinkCard, Similar }: { LinkCard: LinkSlot; Similar?: SimilarSlot }) {
  const { id = "" } = useParams();
  const product = useProduct(id);
  return (
    <QueryState query={product}>
      {(p) => (
        <div className="flex flex-col gap-6">
          <ProductView product={p} LinkCard={LinkCard} />
          {Similar && p.status === "approved" && <Similar productId={p.id} />}
        </div>
      )}
    </QueryState>
  );
}

function ProductView({ product: p, LinkCard }: { product: Product; LinkCard: LinkSlot }) {
  const { me } = useAuth();
  const isOwner = me?.id === p.vendor_id;
  const isAdmin = me?.role === "tenant_admin";
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold">{p.title}</h1>
        <GradeBadge grade={p.grade} />
        {(isOwner || isAdmin) && <StatusBadge status={p.status} />}
      </div>
      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <Card>
          {p.images.length > 0 && (
            <div className="mb-4 flex gap-2 overflow-x-auto">
              {p.images.map((i) => <img key={i.id} src={apiUrl(i.url)} alt="" className="h-40 rounded border border-slate-200 object-cover" />)}
            </div>
          )}
          <p className="whitespace-pre-line text-sm text-slate-700">{p.description || "No description."}</p>
          <div className="mt-3"><Byline product={p} /></div>
        </Card>
        <Card title="Terms">
          <Terms product={p} />
        </Card>
      </div>
      {me?.role === "affiliate" && p.status === "approved" && <LinkCard key={p.id} product={p} />}
      {(isOwner || isAdmin) && <Vetting product={p} isOwner={isOwner} isAdmin={isAdmin} />}
      {isOwner && p.status !== "archived" && <Images product={p} />}
    </div>
  );
}

function Vetting({ product: p, isOwner, isAdmin }: { product: Product; isOwner: boolean; isAdmin: boolean }) {
  const navigate = useNavigate();
  const reviews = useProductReviews(p.id);
  const archive = useArchiveProduct();
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card title="Vetting" actions={isOwner && p.status !== "archived" ? <Button variant="secondary" onClick={() => void navigate(`/app/products/${p.id}/edit`)}>Edit product</Button> : undefined}>
        <div className="flex flex-col gap-3 text-sm">
          <p>Status: <StatusBadge status={p.status} /> {p.reviewed_at && <span className="text-slate-500">· last decided {formatDate(p.reviewed_at)}</span>}</p>
          {p.status === "rejected" && <p className="rounded-md bg-red-50 p-3 text-red-700" data-testid="rejection-reason">Rejected: {p.rejection_reason}</p>}
          {p.review_notes && <p className="rounded-md bg-slate-50 p-3" data-testid="review-notes">Reviewer’s notes: {p.review_notes}</p>}
          {p.status === "pending" && isOwner && <p className="text-slate-500">An admin reviews new and edited products before they appear in the marketplace.</p>}
          {isAdmin && p.status === "pending" && <ReviewForm product={p} onDone={() => void reviews.refetch()} />}
          {p.status !== "archived" && (
            <div>
              <FormError problem={archive.problem} />
              <Button variant="danger" busy={archive.isPending} onClick={() => { if (window.confirm("Archive this product for good? Links to it will send visitors to the program's fallback page.")) archive.mutate(p.id); }}>Archive product</Button>
            </div>
          )}
        </div>
      </Card>
      <Card title="Review history">
        <QueryState query={reviews} retry={false} empty="No decisions yet.">
          {(rows) => (
            <ol className="flex flex-col gap-3 text-sm" data-testid="review-history">
              {rows.map((r) => (
                <li key={r.id} className="rounded-md border border-slate-200 p-3">
                  <p><strong>{r.decision === "approved" ? "Approved" : "Rejected"}</strong>{r.grade && ` · grade ${r.grade}`} · {r.reviewer_name} · {formatDate(r.created_at)}</p>
                  {r.reason && <p className="text-red-700">Reason: {r.reason}</p>}
                  {r.notes && <p className="text-slate-600">Notes: {r.notes}</p>}
                </li>
              ))}
            </ol>
          )}
        </QueryState>
      </Card>
    </div>
  );
}

function Images({ product: p }: { product: Product }) {
  const upload = useUploadProductImage();
  const remove = useRemoveProductImage();
  return (
    <Card title="Images">
      <div className="flex flex-col gap-3">
        <FormError problem={upload.problem ?? remove.problem} />
        <div className="flex flex-wrap gap-3">
          {p.images.map((i) => (
            <figure key={i.id} className="flex flex-col items-center gap-1">
              <img src={apiUrl(i.url)} alt="" className="h-24 w-32 rounded border border-slate-200 object-cover" />
              <Button variant="secondary" busy={remove.isPending && remove.variables?.imageId === i.id} onClick={() => remove.mutate({ id: p.id, imageId: i.id })}>Remove</Button>
            </figure>
          ))}
        </div>
        <label className="text-sm font-medium text-slate-700" htmlFor="product-image">Add an image (PNG, JPEG or WebP, up to 2 MB; up to 8 per product)</label>
        <input id="product-image" type="file" accept="image/png,image/jpeg,image/webp" disabled={upload.isPending}
          onChange={(e) => { const f = e.target.files?.[0]; if (f) upload.mutate({ id: p.id, file: f }); e.target.value = ""; }} />
        <p className="text-xs text-slate-500">A changed image sends the product back for review. <Link className="underline" to="/app/products">Back to my products</Link></p>
      </div>
    </Card>
  );
}
