// The tokens one execution of a step sees: plain functions the workflows and the renderer share.
import type { ResultRow, StepRecord } from './run';

/** The tokens every step of a run sees, before `result`, `index` and `steps` are added. */
export interface BaseContext {
  results: ResultRow[];
  params: Record<string, unknown>;
  globals: Record<string, unknown>;
  job: { name: string; timeframe?: { from: string; to: string } };
  run: { id: string; runId?: string; startedAt: string; url?: string };
  trigger: Record<string, unknown>;
}

/**
 * `steps.<id>` as seen from result `index` (null in `once` mode): an `each` step's output for the same
 * result; from a `once` step, its first output plus `outputs`, the list of all.
 */
export function stepsContext(steps: Record<string, StepRecord>, index: number | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, record] of Object.entries(steps)) {
    if (record.mode === 'each') {
      const outputs = record.outputs ?? [];
      if (index !== null) out[id] = outputs[index] ?? {};
      else out[id] = { ...((outputs.find((o) => o !== null) as object | undefined) ?? {}), outputs };
    } else out[id] = record.output ?? {};
  }
  return out;
}

/** The full token context for one execution of a step. */
export function stepContext(base: BaseContext, steps: Record<string, StepRecord>, index: number | null): Record<string, unknown> {
  return { ...base, result: index === null ? base.results[0] ?? {} : base.results[index], index, steps: stepsContext(steps, index) };
}
