// A signing secret, shown once (at creation or rotation), with a copy button.
import type { ReactNode } from "react";
import { CopyButton } from "../../../components/ui";

export function SecretNotice({ secret, children }: { secret: string; children?: ReactNode }) {
  return (
    <div className="mt-4 rounded-md bg-amber-50 p-3 text-sm" role="status">
      <p className="mb-2">{children} Copy the signing secret now: it is shown only once.</p>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <code data-testid="webhook-secret" className="break-all">{secret}</code>
        <CopyButton text={secret} label="Copy secret" />
      </div>
    </div>
  );
}
