// On an affiliate's profile (injected by the router): their group, moving them to another one
// (after a confirmation: it applies to new sales only) and every move so far.
import { useState } from "react";
import { Link } from "react-router";
import { QueryState } from "../../../components/QueryState";
import { Card, ConfirmButton, Field, FormError, Select } from "../../../components/ui";
import { formatDate } from "../../../lib/format";
import { useGroups } from "../api/get-groups";
import { useMoveAffiliate, useMoves } from "../api/moves";
import type { GroupRef, Move } from "../types";

const NO_GROUP = "";

export function AffiliateGroupCard({ affiliateId, name, group }: { affiliateId: string; name: string; group: GroupRef | null }) {
  const moves = useMoves(affiliateId);
  return (
    <Card title="Group">
      <QueryState query={moves}>
        {(history) => (
          <div className="flex flex-col gap-4 text-sm">
            <MoveForm affiliateId={affiliateId} name={name} current={group} />
            <History moves={history} />
          </div>
        )}
      </QueryState>
    </Card>
  );
}

function MoveForm({ affiliateId, name, current }: { affiliateId: string; name: string; current: GroupRef | null }) {
  const groups = useGroups();
  const [target, setTarget] = useState(current?.id ?? NO_GROUP);
  const [note, setNote] = useState("");
  const move = useMoveAffiliate({ onSuccess: () => setNote("") });
  const options = [{ value: NO_GROUP, label: "No group" }, ...(groups.data ?? []).map((g) => ({ value: g.id, label: g.name }))];
  const targetName = options.find((o) => o.value === target)?.label ?? "No group";
  return (
    <>
      <p data-testid="current-group">
        {current ? <>In the group <strong>{current.name}</strong>.</> : "In no group: the programme's rules apply."}{" "}
        <Link to="/app/groups" className="text-indigo-700 underline">All groups</Link>
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <Select label="Move to" name="group" value={target} options={options} onChange={(e) => setTarget(e.target.value)} error={move.fieldError("group_id")} />
        <Field label="Note (optional)" name="note" maxLength={300} value={note} onChange={(e) => setNote(e.target.value)} error={move.fieldError("note")} />
      </div>
      <div>
        <ConfirmButton
          variant="primary"
          busy={move.isPending}
          question={`Move ${name} to ${target === NO_GROUP ? "no group" : targetName}? This applies to their new sales only; recorded commissions keep their rule.`}
          action="Move"
          onConfirm={() => move.mutate({ affiliate_id: affiliateId, group_id: target || null, note })}
        >
          Move
        </ConfirmButton>
      </div>
      <FormError problem={move.problem && Object.keys(move.problem.fieldErrors).length === 0 ? move.problem : null} />
      {move.isSuccess && <p role="status" className="text-green-700">Moved. Their new sales follow the new terms.</p>}
    </>
  );
}

function History({ moves }: { moves: Move[] }) {
  if (moves.length === 0) return <p className="text-slate-600">Never moved between groups.</p>;
  return (
    <div>
      <h3 className="font-medium">Moves</h3>
      <ul className="divide-y divide-slate-100" data-testid="group-moves">
        {moves.map((m) => (
          <li key={m.id} className="py-2">
            {formatDate(m.moved_at)}: {m.from_group_name ?? "No group"} → {m.group_name ?? "No group"}
            {m.moved_by_name && <>, by {m.moved_by_name}</>}
            {m.note && <div className="text-slate-600">“{m.note}”</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}
