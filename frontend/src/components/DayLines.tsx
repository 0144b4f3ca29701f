// Counts per day as lines (Recharts): each series a field of the days, its name and colour.
// The chart is for the eye; the same figures follow as a table (ChartTable).
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ChartTable } from "./ChartTable";

export type Series = [field: string, name: string, colour: string];

export function DayLines({ days, series, testId, caption }: { days: object[]; series: Series[]; testId: string; caption: string }) {
  return (
    <div>
      <div className="h-64 w-full" data-testid={testId} role="img" aria-label={`${caption} (chart; the figures are in the table below)`}>
        <ResponsiveContainer>
          <LineChart data={days} margin={{ left: 0, right: 8, top: 8 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
            <Tooltip />
            <Legend />
            {series.map(([field, name, colour]) => (
              <Line key={field} type="monotone" dataKey={field} name={name} stroke={colour} dot={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartTable caption={caption} rows={days} columns={series.map(([field, name]) => [field, name])} />
    </div>
  );
}
