// The ledger's live events (Server-Sent Events): each new transaction and sealed block.
import { useEffect, useState } from "react";
import { rawRequest } from "../../../lib/api/client";

/** Read the SSE stream with fetch (EventSource cannot send the bearer token). */
export function useLedgerStream(onEvent: (kind: string) => void): "connecting" | "live" | "offline" {
  const [state, setState] = useState<"connecting" | "live" | "offline">("connecting");
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      try {
        const { body } = await rawRequest("/api/v1/ledger/stream", { signal: abort.signal });
        if (!body) return setState("offline");
        setState("live");
        const reader = body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const kind = buffer.slice(0, end).split("\n").find((l) => l.startsWith("event: "))?.slice(7);
            buffer = buffer.slice(end + 2);
            if (kind) onEvent(kind);
          }
        }
        setState("offline");
      } catch {
        if (!abort.signal.aborted) setState("offline");
      }
    })();
    return () => abort.abort();
  }, [onEvent]);
  return state;
}
