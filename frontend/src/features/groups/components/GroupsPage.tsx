// Tenant admins: affiliate groups ("VIP partners 30%"). Each group's rule, the products it covers,
// its payout threshold and its members; create, edit and delete them.
import { useState } from "react";
import { Link } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Button, Card, ConfirmButton, FormError, PageTitle } from "../../../components/ui";
import { useAuth } from "../../../lib/auth/session";
import { count } from "../../../lib/format";
import { useDeleteGroup } from "../api/delete-group";
import { useGroups } from "../api/get-groups";
import type { Group } from "../types";
import { GroupForm } from "./GroupForm";
import { ruleText, thresholdText } from "./words";

export function GroupsPage() {
  const groups = useGroups();
  // the group being edited, "new" while one is being created
  const [editing, setEditing] = useState<Group | "new" | null>(null);
  return (
    <div className="flex flex-col gap-6">
      <div>
        <PageTitle>Groups</PageTitle>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          A group gives its members their own terms. Its commission rule replaces the programme's (and the product's) for its members'
          new sales of its products; the tier bonus still applies on top. Moving someone into or out of a group applies to their new
          sales only: commissions already recorded keep their rule.
        </p>
      </div>
      {editing ? (
        <GroupForm key={editing === "new" ? "new" : editing.id} group={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} />
      ) : (
        <div><Button onClick={() => setEditing("new")}>New group</Button></div>
      )}
      <Card title="All groups">
        <QueryState query={groups} empty="No groups yet: make one to give some affiliates their own terms.">
          {(rows) => (
            <div className="relative overflow-x-auto">
              <table className="w-full text-left text-sm" data-testid="groups">
                <caption className="sr-only">Affiliate groups with their terms</caption>
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="p-2">Group</th>
                    <th className="p-2">Rule</th>
                    <th className="p-2">Products</th>
                    <th className="p-2">Payout threshold</th>
                    <th className="p-2">Members</th>
                    <th className="p-2"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>{rows.map((g) => <GroupRow key={g.id} group={g} onEdit={() => setEditing(g)} />)}</tbody>
              </table>
            </div>
          )}
        </QueryState>
      </Card>
    </div>
  );
}

function GroupRow({ group: g, onEdit }: { group: Group; onEdit: () => void }) {
  const { me } = useAuth();
  const currency = me?.tenant.default_currency ?? "USD";
  const remove = useDeleteGroup();
  return (
    <tr className="border-t border-slate-100 align-top" data-testid={`group-row-${g.name}`}>
      <td className="p-2">
        <div className="font-medium">{g.name}</div>
        {g.description && <div className="text-xs text-slate-600">{g.description}</div>}
      </td>
      <td className="p-2">{ruleText(g, currency)}</td>
      <td className="p-2">{g.products.length === 0 ? "All products" : g.products.map((p) => p.name).join(", ")}</td>
      <td className="p-2">{thresholdText(g, currency)}</td>
      <td className="p-2">
        <Link to={`/app/affiliates?group=${g.id}`} className="text-indigo-700 underline">{count(g.members, "member")}</Link>
      </td>
      <td className="p-2">
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={onEdit} aria-label={`Edit ${g.name}`}>Edit</Button>
          <ConfirmButton question={`Delete the group ${g.name}?`} action="Delete" busy={remove.isPending} onConfirm={() => remove.mutate(g.id)}>
            Delete
          </ConfirmButton>
        </div>
        <FormError problem={remove.problem} />
      </td>
    </tr>
  );
}
