// Counts per day as lines (Recharts): each series a field of the days, its name and colour.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type Series = [field: string, name: string, colour: string];

export function DayLines({ days, series, testId }: { days: object[]; series: Series[]; testId: string }) {
  return (
    <div className="h-64 w-full" data-testid={testId}>
      <ResponsiveContainer>
        <LineChart data={days} margin={{ left: 0, right: 8, top: 8 }}>
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
  );
}
