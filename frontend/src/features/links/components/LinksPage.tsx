// My links: each with its address, QR codes and status; pause, resume or delete.
import { Link as RouterLink } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { count, formatDate, formatNumber } from "../../../lib/format";
import { useLinks } from "../api/get-links";
import { LinkActions, LinkStatusBadge, ShortUrl } from "./LinkParts";

export function LinksPage() {
  const { me } = useAuth();
  const list = useLinks(null);
  return (
    <Card level={1} title={me?.role === "tenant_admin" ? "All links" : "My links"}>
      <QueryState query={list} empty={<>No links yet. Open a product in the <RouterLink className="underline" to="/app/marketplace">marketplace</RouterLink> and get your link.</>}>
        {(rows) => (
          <ul className="divide-y divide-slate-100" data-testid="links">
            {rows.map((l) => (
              <li key={l.id} className="flex flex-col gap-3 py-4" data-testid="link-row">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <span>
                    <RouterLink className="font-medium text-brand underline" to={`/app/products/${l.product_id}`}>{l.product_title}</RouterLink>
                    <span className="ml-2 text-xs text-slate-500">made {formatDate(l.created_at)}{l.utm_campaign && ` · campaign ${l.utm_campaign}`}</span>
                  </span>
                  <LinkStatusBadge status={l.status} />
                </div>
                <p className="text-sm" data-testid="link-clicks">
                  <strong>{count(l.clicks.filtered, "click")}</strong> · <strong>{formatNumber(l.clicks.unique)}</strong> unique
                  <span className="text-slate-500"> · {formatNumber(l.clicks.raw)} raw, including {formatNumber(l.clicks.raw - l.clicks.filtered)} from bots and prefetches</span>
                </p>
                <ShortUrl link={l} />
                <p className="break-all text-xs text-slate-500">Sends visitors to {l.destination}</p>
                <LinkActions link={l} />
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {list.hasNextPage && <Button variant="secondary" className="mt-3" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>}
    </Card>
  );
}
