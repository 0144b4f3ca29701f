// Check boxes for the event types the caller may subscribe to.
import { QueryState } from "../../../components/QueryState";
import { useEventTypes } from "../api/get-event-types";
import type { EventType } from "../types";

export function EventTypePicker({ selected, onChange, error }: {
  selected: EventType[];
  onChange: (types: EventType[]) => void;
  error?: string;
}) {
  const types = useEventTypes();
  const toggle = (type: EventType, on: boolean) =>
    onChange(on ? [...selected, type] : selected.filter((t) => t !== type));
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-700">Event types</legend>
      <QueryState query={types}>
        {(rows) => (
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {rows.map((t) => (
              <label key={t.type} className="flex items-start gap-2 text-sm" title={t.description}>
                <input type="checkbox" checked={selected.includes(t.type)} onChange={(e) => toggle(t.type, e.target.checked)} />
                <span><code>{t.type}</code> <span className="text-xs text-slate-500">{t.description}</span></span>
              </label>
            ))}
          </div>
        )}
      </QueryState>
      {error && <p className="mt-1 text-xs text-red-600" role="alert">{error}</p>}
    </fieldset>
  );
}
