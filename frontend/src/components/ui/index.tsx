// Shared presentational parts. Branded elements use the `brand` colour token.
import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";
import { useEffect, useId, useState } from "react";
import type { Problem } from "../../lib/api/problem";

export function Spinner({ label = "Loading" }: { label?: string }) {
  return (
    <span role="status" aria-label={label} className="inline-block size-4 animate-spin rounded-full border-2 border-current border-r-transparent align-[-2px]" />
  );
}

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  busy?: boolean;
  variant?: "primary" | "secondary" | "danger";
};

export function Button({ busy = false, variant = "primary", className = "", children, disabled, ...rest }: ButtonProps) {
  const styles = {
    primary: "bg-brand text-white hover:opacity-90",
    secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50",
    danger: "bg-red-600 text-white hover:bg-red-700",
  }[variant];
  return (
    <button
      {...rest}
      disabled={disabled || busy}
      aria-busy={busy}
      className={`inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-medium shadow-sm disabled:cursor-not-allowed disabled:opacity-60 ${styles} ${className}`}
    >
      {busy && <Spinner label="Working" />}
      {children}
    </button>
  );
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: ReactNode };

export function Field({ label, error, hint, id, className = "", ...rest }: FieldProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  return (
    <div className={`flex flex-col gap-1 ${className}`}>
      <label htmlFor={inputId} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={inputId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${inputId}-error` : undefined}
        className={`rounded-md border px-3 py-2 text-sm shadow-sm outline-none focus:ring-2 focus:ring-brand ${error ? "border-red-500" : "border-slate-300"}`}
        {...rest}
      />
      {hint && !error && <p className="text-xs text-slate-500">{hint}</p>}
      {error && (
        <p id={`${inputId}-error`} className="text-xs text-red-600" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  error?: string;
  options: { value: string; label: string }[];
  hideLabel?: boolean;
};

export function Select({ label, error, options, id, hideLabel = false, ...rest }: SelectProps) {
  const autoId = useId();
  const selectId = id ?? autoId;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={selectId} className={hideLabel ? "sr-only" : "text-sm font-medium text-slate-700"}>
        {label}
      </label>
      <select id={selectId} className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm" {...rest}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error && <p className="text-xs text-red-600" role="alert">{error}</p>}
    </div>
  );
}

// `level={1}` when the card is the page itself: its title is then the page's one <h1>
export function Card({ title, children, actions, level = 2 }: { title?: string; children: ReactNode; actions?: ReactNode; level?: 1 | 2 }) {
  const Heading = level === 1 ? "h1" : "h2";
  return (
    <section className="min-w-0 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:p-6">
      {(title || actions) && (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
          {title && <Heading className={level === 1 ? "text-xl font-bold" : "text-lg font-semibold"}>{title}</Heading>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

export function FormError({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  const extra = problem.retryAfter ? ` Try again in ${problem.retryAfter} seconds.` : "";
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700">
      <strong className="font-semibold">{problem.title}.</strong> {problem.detail}
      {extra && !problem.detail.includes("seconds") ? extra : ""}
    </div>
  );
}

export function ErrorState({ problem, onRetry }: { problem: Problem | null; onRetry?: () => void }) {
  return (
    <div role="alert" className="flex flex-col items-start gap-3 rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-700">
      <p>
        <strong>{problem?.title ?? "Error"}.</strong> {problem?.detail ?? "Something went wrong."}
      </p>
      {onRetry && (
        <Button variant="secondary" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="rounded-md border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">{children}</p>;
}

export function Loading() {
  return (
    <div className="flex items-center gap-2 p-6 text-sm text-slate-500">
      <Spinner /> Loading…
    </div>
  );
}

export function Badge({ tone = "slate", children }: { tone?: "green" | "red" | "slate" | "amber"; children: ReactNode }) {
  const tones = {
    green: "bg-green-100 text-green-800",
    red: "bg-red-100 text-red-800",
    slate: "bg-slate-100 text-slate-700",
    amber: "bg-amber-100 text-amber-800",
  };
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}

// Copies `text`, then says so for a few seconds (or that the browser refused)
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [said, setSaid] = useState<"Copied" | "Could not copy" | null>(null);
  useEffect(() => {
    if (!said) return;
    const t = setTimeout(() => setSaid(null), 3000);
    return () => clearTimeout(t);
  }, [said]);
  const copy = () => {
    const writing = navigator.clipboard?.writeText(text) ?? Promise.reject(new Error("no clipboard"));
    writing.then(() => setSaid("Copied"), () => setSaid("Could not copy"));
  };
  return (
    <span className="inline-flex items-center gap-2">
      <Button type="button" variant="secondary" onClick={copy}>{label}</Button>
      <span aria-live="polite" className={`text-xs ${said === "Copied" ? "text-green-700" : "text-red-700"}`}>{said}</span>
    </span>
  );
}

// a page's title: every page has exactly one <h1> (pages that are one card use <Card level={1}>)
export function PageTitle({ children, className = "" }: { children: ReactNode; className?: string }) {
  return <h1 className={`text-2xl font-bold ${className}`}>{children}</h1>;
}

// A destructive action asks first: the button opens an inline question with the real action
// and Cancel (focus moves to the action, Escape cancels), never a browser dialog.
export function ConfirmButton({ question, action, onConfirm, variant = "danger", busy = false, children }: {
  question: string;
  action: string;
  onConfirm: () => void;
  variant?: "primary" | "secondary" | "danger";
  busy?: boolean;
  children: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) return <Button type="button" variant={variant} busy={busy} onClick={() => setAsking(true)}>{children}</Button>;
  return (
    <span role="group" aria-label={question} className="inline-flex flex-wrap items-center gap-2 text-sm"
      onKeyDown={(e) => { if (e.key === "Escape") setAsking(false); }}>
      <span>{question}</span>
      <Button type="button" variant={variant} busy={busy} autoFocus onClick={() => { setAsking(false); onConfirm(); }}>{action}</Button>
      <Button type="button" variant="secondary" onClick={() => setAsking(false)}>Cancel</Button>
    </span>
  );
}
