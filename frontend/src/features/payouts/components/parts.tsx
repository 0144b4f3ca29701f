import { Badge } from "../../../components/ui";
import type { PayoutItem } from "../types";

const TONES = { pending: "amber", paid: "green", failed: "red" } as const;
export const METHODS: Record<PayoutItem["method"], string> = { paypal: "PayPal", wise: "Wise", bank_transfer: "Bank transfer" };

export function PayoutStatusBadge({ status }: { status: PayoutItem["status"] }) {
  return <Badge tone={TONES[status]}>{status === "pending" ? "in payment" : status}</Badge>;
}
