// An admin's decision on a product waiting for review: approve with a grade and notes, or
// reject with a reason the vendor can act on.
import { useState, type FormEvent } from "react";
import { Button, Field, FormError, Select } from "../../../components/ui";
import { formValues } from "../../../lib/forms";
import { useReviewProduct } from "../api/review-product";
import { GRADES, type Grade, type Product } from "../types";

export function ReviewForm({ product, onDone }: { product: Product; onDone?: (p: Product) => void }) {
  const [decision, setDecision] = useState<"approved" | "rejected">("approved");
  const review = useReviewProduct({ onSuccess: (p) => onDone?.(p) });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    review.mutate({
      id: product.id,
      body: { decision, grade: (v.grade || null) as Grade | null, notes: v.notes ?? "", reason: decision === "rejected" ? v.reason ?? "" : "" },
    });
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-3" aria-label={`Review ${product.title}`} noValidate>
      <FormError problem={review.problem && Object.keys(review.problem.fieldErrors).length === 0 ? review.problem : null} />
      <div className="flex gap-4 text-sm" role="radiogroup" aria-label="Decision">
        <label className="flex items-center gap-1"><input type="radio" name="decision" checked={decision === "approved"} onChange={() => setDecision("approved")} /> Approve</label>
        <label className="flex items-center gap-1"><input type="radio" name="decision" checked={decision === "rejected"} onChange={() => setDecision("rejected")} /> Reject</label>
      </div>
      <Select label="Grade" name="grade" defaultValue=""
        error={review.fieldError("grade")} options={[{ value: "", label: decision === "approved" ? "Choose a grade" : "No grade" }, ...GRADES.map((g) => ({ value: g, label: `${g}${g === "S" ? " (best)" : g === "F" ? " (worst)" : ""}` }))]} />
      <Field label="Notes for the vendor" name="notes" maxLength={2000} />
      {decision === "rejected" && <Field label="Reason for rejecting" name="reason" required maxLength={2000} error={review.fieldError("reason")} />}
      <Button type="submit" variant={decision === "rejected" ? "danger" : "primary"} busy={review.isPending}>
        {decision === "approved" ? "Approve" : "Reject"}
      </Button>
    </form>
  );
}
