// "Get link" on a product: an affiliate makes a tracked link (alias, deep link, UTMs, sub-IDs).
import { useState, type FormEvent } from "react";
import { Button, Card, Field, FormError } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";
import { formValues } from "../../../lib/forms";
import { useCreateLink } from "../api/create-link";
import type { Link } from "../types";
import { ShortUrl } from "./LinkParts";

export function GetLinkCard({ product }: { product: Pick<Schemas["ProductRead"], "id" | "landing_url"> }) {
  const [made, setMade] = useState<Link | null>(null);
  const [more, setMore] = useState(false);
  const create = useCreateLink({ onSuccess: (link) => setMade(link) });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    const opt = (name: string) => (v[name]?.trim() ? v[name].trim() : null);
    create.mutate({
      product_id: product.id,
      alias: opt("alias"),
      deep_link: opt("deep_link"),
      utm_source: opt("utm_source"),
      utm_medium: opt("utm_medium"),
      utm_campaign: opt("utm_campaign"),
      utm_content: opt("utm_content"),
      utm_term: opt("utm_term"),
      sub_ids: (v.sub_ids ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    });
  };
  const err = create.fieldError;
  return (
    <Card title="Get your link">
      <form onSubmit={submit} className="grid gap-4 sm:grid-cols-2" aria-label="Get link" noValidate>
        <div className="sm:col-span-2"><FormError problem={create.problem && Object.keys(create.problem.fieldErrors).length === 0 ? create.problem : null} /></div>
        <Field label="Alias (optional)" name="alias" maxLength={40} hint="Your own word for the link, e.g. spring-sale." error={err("alias")} />
        <Field label="Deep link (optional)" name="deep_link" type="url" placeholder={product.landing_url} hint="Any page on the product's site." error={err("deep_link")} />
        <Field label="UTM source" name="utm_source" maxLength={100} error={err("utm_source")} />
        <Field label="UTM campaign" name="utm_campaign" maxLength={100} error={err("utm_campaign")} />
        {more && (
          <>
            <Field label="UTM medium" name="utm_medium" maxLength={100} error={err("utm_medium")} />
            <Field label="UTM content" name="utm_content" maxLength={100} error={err("utm_content")} />
            <Field label="UTM term" name="utm_term" maxLength={100} error={err("utm_term")} />
            <Field label="Sub-IDs" name="sub_ids" hint="Comma-separated, up to 5 (letters, digits, . _ ~ -)." error={err("sub_ids") ?? err("sub_ids.0")} />
          </>
        )}
        <div className="flex flex-wrap gap-2 sm:col-span-2">
          <Button type="submit" busy={create.isPending}>Create link</Button>
          {!more && <Button variant="secondary" onClick={() => setMore(true)}>More options</Button>}
        </div>
      </form>
      {made && (
        <div className="mt-4 rounded-md bg-green-50 p-3" role="status">
          <p className="mb-2 text-sm">Your link is ready. Share it anywhere; every click is counted.</p>
          <ShortUrl link={made} />
        </div>
      )}
    </Card>
  );
}
