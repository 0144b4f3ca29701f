// A chart's figures as a table, for whoever cannot see the chart (a screen reader, a print):
// folded under the chart, one row per day, one column per series.
import type { ReactNode } from "react";

export type Column = [field: string, name: string];

export function ChartTable({ caption, rows, columns, format = String }: {
  caption: string;
  rows: object[];
  columns: Column[];
  format?: (value: number) => ReactNode;
}) {
  return (
    <details className="mt-2 text-sm">
      <summary className="cursor-pointer text-slate-600">Show as a table</summary>
      <div className="mt-2 overflow-x-auto">
        <table className="w-full text-left">
          <caption className="sr-only">{caption}</caption>
          <thead className="text-xs uppercase text-slate-600">
            <tr><th scope="col" className="p-1">Day</th>{columns.map(([f, name]) => <th key={f} scope="col" className="p-1 text-right">{name}</th>)}</tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((row) => {
              const r = row as Record<string, unknown>;
              return (
                <tr key={String(r.day)}>
                  <th scope="row" className="p-1 font-normal">{String(r.day)}</th>
                  {columns.map(([f]) => <td key={f} className="p-1 text-right tabular-nums">{format(Number(r[f] ?? 0))}</td>)}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </details>
  );
}
