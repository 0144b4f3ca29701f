// The vetting queue: products waiting for an admin's decision, the longest waiting first; a
// submission appears live (the admins' topic), or within 30 s while the socket is down.
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card } from "../../../components/ui";
import { apiUrl } from "../../../lib/api/base";
import { useAuth } from "../../../lib/auth/session";
import { count, formatDate, formatMoney } from "../../../lib/format";
import { useTopic } from "../../../lib/socket";
import { useVettingQueue } from "../api/get-vetting-queue";
import { catalogKeys } from "../api/keys";
import { commissionText } from "./parts";
import { ReviewForm } from "./ReviewForm";

export function VettingPage() {
  const list = useVettingQueue();
  const { me } = useAuth();
  const queryClient = useQueryClient();
  useTopic(me ? `admins:${me.tenant.id}` : null, (event) => {
    if (event.type === "product.submitted") void queryClient.invalidateQueries({ queryKey: catalogKeys.queue });
  });
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">Vetting queue</h1>
      <QueryState query={list} empty="Nothing is waiting for review.">
        {(rows) => (
          rows.map((p) => (
            <div key={p.id} data-testid="queue-item"><Card title={p.title}>
              <div className="grid gap-6 lg:grid-cols-2">
                <div className="flex flex-col gap-2 text-sm">
                  {p.images[0] && <img src={apiUrl(p.images[0].url)} alt="" className="h-32 w-48 rounded border border-slate-200 object-cover" />}
                  <p>{p.vendor_name} · {p.category} · submitted {formatDate(p.submitted_at)}</p>
                  <p>{formatMoney(p.price_minor, p.currency)} · {commissionText(p)} · cookie {count(p.cookie_days, "day")} · hold {count(p.refund_hold_days, "day")}</p>
                  <p className="break-all">Landing page: <a className="text-brand underline" href={p.landing_url} target="_blank" rel="noreferrer noopener">{p.landing_url}</a></p>
                  <p className="line-clamp-4 whitespace-pre-line text-slate-600">{p.description}</p>
                  <Link to={`/app/products/${p.id}`} className="text-brand underline">Full details and history</Link>
                </div>
                <ReviewForm product={p} onDone={() => void list.refetch()} />
              </div>
            </Card></div>
          ))
        )}
      </QueryState>
      {list.hasNextPage && <Button variant="secondary" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Load more</Button>}
    </div>
  );
}
