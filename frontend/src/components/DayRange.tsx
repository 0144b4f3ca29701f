// A range of UTC days (ISO dates, both ends included) and the picker that sets it: two dates,
// or the last 7, 30 or 90 days. Dashboards and the platform's activity page share it.
import { Field } from "./ui";
import { count } from "../lib/format";

export interface DaySpan {
  start: string;
  end: string;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

export function lastDays(n: number): DaySpan {
  const end = new Date();
  const start = new Date(end.getTime() - (n - 1) * 86_400_000);
  return { start: iso(start), end: iso(end) };
}

export function RangePicker<S extends DaySpan>({ span, onChange }: { span: S; onChange: (s: S) => void }) {
  return (
    <div className="flex flex-wrap items-end gap-3" data-testid="range">
      <Field label="From" name="start" type="date" value={span.start} onChange={(e) => e.target.value && onChange({ ...span, start: e.target.value })} />
      <Field label="To" name="end" type="date" value={span.end} onChange={(e) => e.target.value && onChange({ ...span, end: e.target.value })} />
      {[7, 30, 90].map((n) => (
        <button key={n} type="button" className="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100" onClick={() => onChange({ ...span, ...lastDays(n) })}>
          Last {count(n, "day")}
        </button>
      ))}
    </div>
  );
}
