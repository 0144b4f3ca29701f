// What a witness refused, as kept with its alarm: the checkpoint the log offered, the one the
// witness last cosigned, the request and the answer, each copyable (to hand to an auditor).
import { CopyButton } from "../../../components/ui";
import type { Schemas } from "../../../lib/api/client";

type Refusal = NonNullable<Schemas["AlarmRead"]["evidence"]>;

function Evidence({ title, text, copy, testId }: { title: string; text: string; copy: string; testId: string }) {
  return (
    <section className="flex flex-col gap-1">
      <div className="flex items-center justify-between gap-2">
        <h4 className="text-xs font-semibold text-slate-700">{title}</h4>
        <CopyButton text={text} label={copy} />
      </div>
      <pre tabIndex={0} className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs" data-testid={testId}>{text}</pre>
    </section>
  );
}

export function AlarmEvidence({ evidence }: { evidence: Refusal }) {
  const { offered, cosigned, answer } = evidence;
  return (
    <details className="rounded border border-red-100 p-2" data-testid="alarm-evidence">
      <summary className="cursor-pointer text-sm font-medium">
        Evidence: the checkpoint {evidence.witness} refused, and the one it cosigned
      </summary>
      <div className="mt-2 flex flex-col gap-3">
        <Evidence
          title={`Checkpoint offered (block ${offered.height}, ${offered.tree_size} transactions)`}
          text={offered.checkpoint}
          copy="Copy offered checkpoint"
          testId="evidence-offered"
        />
        {cosigned ? (
          <>
            <Evidence
              title={`Checkpoint the witness last cosigned (block ${cosigned.height}, ${cosigned.tree_size} transactions), with its cosignature`}
              text={cosigned.checkpoint + cosigned.cosignature}
              copy="Copy cosigned checkpoint"
              testId="evidence-cosigned"
            />
            {!cosigned.cosignature_verifies && (
              <p className="text-xs text-red-700">
                The witness&apos;s cosignature does not verify over this stored checkpoint: it was changed after the witness cosigned it.
              </p>
            )}
          </>
        ) : (
          <p className="text-xs text-slate-600">The log keeps no record of a checkpoint this witness cosigned; the witness keeps its own copy.</p>
        )}
        <Evidence title="Request sent (old size, consistency proof, checkpoint)" text={evidence.request} copy="Copy request" testId="evidence-request" />
        <Evidence
          title={`Answer of ${evidence.witness} (${evidence.witness_url}): ${answer.status}`}
          text={answer.body}
          copy="Copy answer"
          testId="evidence-answer"
        />
        <div>
          <CopyButton text={JSON.stringify(evidence, null, 2)} label="Copy all evidence (JSON)" />
        </div>
      </div>
    </details>
  );
}
