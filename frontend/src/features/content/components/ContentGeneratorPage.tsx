// The content generator: pick a product, platform, tone and length; preview, edit and copy the
// post (it always carries your short link and the organisation's disclosure); earlier posts;
// the credits left this month.
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Badge, Button, Card, FormError, Select } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { count, formatDate, formatNumber } from "../../../lib/format";
import { formValues } from "../../../lib/forms";
import { useCreateGeneration } from "../api/create-generation";
import { useContentOptions } from "../api/get-content-options";
import { useCredits } from "../api/get-credits";
import { useGenerations } from "../api/get-generations";
import { usePromotableProducts } from "../api/get-promotable-products";
import { countedLength } from "../count";
import type { Generation, Platform, PlatformRules } from "../types";

const TONES: Record<string, string> = { friendly: "Friendly", professional: "Professional", enthusiastic: "Enthusiastic", informative: "Informative" };
const LENGTHS: Record<string, string> = { short: "Short", medium: "Medium", long: "Long" };

export function ContentGeneratorPage() {
  const { me } = useAuth();
  const options = useContentOptions();
  const [shown, setShown] = useState<Generation | null>(null);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <div className="flex flex-col gap-6">
        <Card level={1} title="Content generator" actions={<CreditsLeft />}>
          {me?.role === "affiliate" ? (
            <QueryState query={options}>{(o) => <GenerateForm platforms={o.platforms} tones={o.tones} lengths={o.lengths} onMade={setShown} />}</QueryState>
          ) : (
            <p className="text-sm text-slate-600">Affiliates write posts here; you see everyone's below.</p>
          )}
        </Card>
        <QueryState query={options}>
          {(o) => (shown ? <Preview key={shown.id} generation={shown} rules={o.platforms.find((p) => p.platform === shown.platform)} /> : null)}
        </QueryState>
      </div>
      <QueryState query={options}>{(o) => <History platforms={o.platforms} onOpen={setShown} />}</QueryState>
    </div>
  );
}

function CreditsLeft() {
  const credits = useCredits();
  if (!credits.data) return null;
  const c = credits.data;
  return (
    <p className="text-sm text-slate-600" data-testid="credits-left">
      <Badge tone={c.remaining > 0 ? "green" : "red"}>{formatNumber(c.remaining)} of {count(c.monthly, "credit")} left</Badge>
      <span className="ml-2 text-xs">renew {formatDate(c.resets_at)}</span>
    </p>
  );
}

function GenerateForm({ platforms, tones, lengths, onMade }: {
  platforms: PlatformRules[];
  tones: string[];
  lengths: string[];
  onMade: (g: Generation) => void;
}) {
  const [params] = useSearchParams();
  const products = usePromotableProducts();
  const generate = useCreateGeneration({ onSuccess: onMade });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    generate.mutate({
      product_id: v.product_id ?? "",
      platform: v.platform as Platform,
      tone: v.tone as Generation["tone"],
      length: v.length as Generation["length"],
    });
  };
  return (
    <QueryState query={products} empty="No approved products to write about yet.">
      {(rows) => (
        <form aria-label="Write a post" onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <FormError problem={generate.problem} />
          <Select label="Product" name="product_id" defaultValue={params.get("product") ?? rows[0]?.id}
            options={rows.map((p) => ({ value: p.id, label: p.title }))} error={generate.fieldError("product_id")} />
          <Select label="Platform" name="platform" defaultValue="x" error={generate.fieldError("platform")}
            options={platforms.map((p) => ({ value: p.platform, label: `${p.label} (${count(p.limit, "character")})` }))} />
          <div className="grid gap-4 sm:grid-cols-2">
            <Select label="Tone" name="tone" defaultValue="friendly" options={tones.map((t) => ({ value: t, label: TONES[t] ?? t }))} />
            <Select label="Length" name="length" defaultValue="medium" options={lengths.map((l) => ({ value: l, label: LENGTHS[l] ?? l }))} />
          </div>
          <Button type="submit" busy={generate.isPending}>Generate</Button>
          <p className="text-xs text-slate-500">Each post costs one credit and carries your short link and the organisation's disclosure.</p>
        </form>
      )}
    </QueryState>
  );
}

function Preview({ generation, rules }: { generation: Generation; rules: PlatformRules | undefined }) {
  const [text, setText] = useState(generation.text);
  const [subject, setSubject] = useState(generation.subject ?? "");
  const [copied, setCopied] = useState(false);
  const length = rules ? countedLength(rules, text) : text.length;
  const over = length > generation.limit;
  const missing = [generation.short_url].filter((part) => !text.includes(part));
  const whole = generation.subject != null ? `Subject: ${subject}\n\n${text}` : text;
  const copy = async () => {
    await navigator.clipboard?.writeText(whole);
    setCopied(true);
  };
  return (
    <Card title="Preview" actions={<Badge>{rules?.label ?? generation.platform}</Badge>}>
      <div className="flex flex-col gap-3">
        <p className="text-sm text-slate-600">For <strong>{generation.product_title}</strong></p>
        {generation.subject != null && (
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
            Subject
            <input className="rounded-md border border-slate-300 px-3 py-2 text-sm font-normal" value={subject}
              onChange={(e) => { setSubject(e.target.value); setCopied(false); }} maxLength={generation.subject_limit ?? undefined} />
          </label>
        )}
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Post
          <textarea className="min-h-48 rounded-md border border-slate-300 px-3 py-2 font-normal" value={text}
            onChange={(e) => { setText(e.target.value); setCopied(false); }} />
        </label>
        <p className={`text-xs ${over ? "text-red-600" : "text-slate-500"}`} data-testid="post-length">
          {formatNumber(length)} / {count(generation.limit, "character")}
          {rules?.counts_urls_as ? ` (every link counts as ${rules.counts_urls_as})` : ""}
        </p>
        {over && <p role="alert" className="text-xs text-red-600">Too long for {rules?.label ?? "this platform"}: shorten it before you post.</p>}
        {missing.length > 0 && <p role="alert" className="text-xs text-red-600">Your short link is missing: without it the sale is not yours.</p>}
        <div className="flex flex-wrap items-center gap-2">
          <Button type="button" onClick={() => void copy()}>Copy</Button>
          <Button type="button" variant="secondary" onClick={() => { setText(generation.text); setSubject(generation.subject ?? ""); setCopied(false); }}>Undo edits</Button>
          {copied && <span role="status" className="text-sm text-green-700">Copied.</span>}
        </div>
        <p className="text-xs text-slate-500">Written by {generation.provider} · {formatDate(generation.created_at)}</p>
      </div>
    </Card>
  );
}

function History({ platforms, onOpen }: { platforms: PlatformRules[]; onOpen: (g: Generation) => void }) {
  const list = useGenerations(null);
  const label = (p: string) => platforms.find((r) => r.platform === p)?.label ?? p;
  return (
    <Card title="History">
      <QueryState query={list} empty="No posts yet.">
        {(rows) => (
          <ul className="divide-y divide-slate-100" data-testid="generations">
            {rows.map((g) => (
              <li key={g.id} className="flex flex-col gap-1 py-3" data-testid="generation-row">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <span className="text-sm"><strong>{g.product_title}</strong> · {label(g.platform)} · {TONES[g.tone] ?? g.tone}</span>
                  <Button type="button" variant="secondary" onClick={() => onOpen(g)}>Open</Button>
                </div>
                <p className="line-clamp-2 text-xs text-slate-600">{g.subject ? `${g.subject}: ` : ""}{g.text}</p>
                <p className="text-xs text-slate-400">{formatDate(g.created_at)}</p>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {list.hasNextPage && <Button variant="secondary" className="mt-3" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>}
    </Card>
  );
}
