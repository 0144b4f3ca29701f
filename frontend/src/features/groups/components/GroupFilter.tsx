// The affiliate directory's group filter (injected by the router): any group, or one of them.
import { Select } from "../../../components/ui";
import { useGroups } from "../api/get-groups";

export function GroupFilter({ value, onChange }: { value: string; onChange: (groupId: string) => void }) {
  const groups = useGroups();
  const options = [{ value: "", label: "Any group" }, ...(groups.data ?? []).map((g) => ({ value: g.id, label: g.name }))];
  // a group from a link that the list does not hold (yet) keeps its place in the select
  if (value && !options.some((o) => o.value === value)) options.push({ value, label: groups.isPending ? "Loading…" : "Unknown group" });
  return <Select label="Group" hideLabel name="group" value={value} options={options} onChange={(e) => onChange(e.target.value)} />;
}
