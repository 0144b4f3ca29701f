// A currency picked from the ISO 4217 list the API accepts (GET /api/v1/currencies), never typed.
import { useQuery } from "@tanstack/react-query";
import type { SelectHTMLAttributes } from "react";
import { api } from "../lib/api/client";
import { unwrap } from "../lib/api/problem";
import { Select } from "./ui";

const useCurrencies = () =>
  useQuery({
    queryKey: ["currencies"],
    queryFn: async () => unwrap(await api.GET("/api/v1/currencies")),
    staleTime: Infinity, // ISO 4217 changes a few times a decade
  });

type Props = SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: string; value?: string; defaultValue?: string };

export function CurrencySelect({ label, error, ...rest }: Props) {
  const currencies = useCurrencies();
  const current = String(rest.value ?? rest.defaultValue ?? "");
  const options = (currencies.data ?? []).map((c) => ({ value: c.code, label: `${c.code} · ${c.name}` }));
  // until the list arrives (or if it cannot), the current code stays selectable
  if (current && !options.some((o) => o.value === current)) options.unshift({ value: current, label: current });
  return <Select label={label} error={error} options={options} {...rest} />;
}
