// Platform admin: every organisation, with suspend / reactivate.
import { QueryState } from "../../../components/QueryState";
import { Badge, Button, Card, ConfirmButton, ErrorState } from "../../../components/ui";
import { formatDate } from "../../../lib/format";
import { useTenants } from "../api/get-tenants";
import { useUpdateTenantStatus } from "../api/update-tenant-status";
import { ClickQuarantineCard } from "./ClickQuarantineCard";

export function TenantsPage() {
  const tenants = useTenants();
  const toggle = useUpdateTenantStatus();
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Organisations</h1>
      <ClickQuarantineCard />
      <Card>
        <QueryState query={tenants} empty="No organisations yet.">
          {(rows) => (
            <div className="relative overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr><th className="p-2">Name</th><th className="p-2">Slug</th><th className="p-2">Users</th><th className="p-2">Created</th><th className="p-2">Status</th><th className="relative p-2"><span className="sr-only">Actions</span></th></tr>
                </thead>
                <tbody>
                  {rows.map((t) => (
                    <tr key={t.id} className="border-t border-slate-100" data-testid={`tenant-row-${t.slug}`}>
                      <td className="p-2">{t.name}</td>
                      <td className="p-2">{t.slug}</td>
                      <td className="p-2">{t.user_count}</td>
                      <td className="p-2">{formatDate(t.created_at)}</td>
                      <td className="p-2"><Badge tone={t.status === "active" ? "green" : "red"}>{t.status}</Badge></td>
                      <td className="p-2 text-right">
                        {t.status === "active" ? (
                          <ConfirmButton question={`Suspend ${t.name}? Its members are signed out and its links stop until reactivated.`}
                            action="Suspend organisation" busy={toggle.isPending && toggle.variables?.id === t.id}
                            onConfirm={() => toggle.mutate({ id: t.id, suspend: true })}>Suspend</ConfirmButton>
                        ) : (
                          <Button variant="secondary" busy={toggle.isPending && toggle.variables?.id === t.id}
                            onClick={() => toggle.mutate({ id: t.id, suspend: false })}>Reactivate</Button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
        {tenants.hasNextPage && <Button variant="secondary" className="mt-3" onClick={() => void tenants.fetchNextPage()}>Load more</Button>}
        {toggle.problem && <ErrorState problem={toggle.problem} />}
      </Card>
    </div>
  );
}
