// A fan-out child: runs a segment of consecutive `each` steps for one chunk of a large result set.
import type { StepRecord } from '../dsl/model';
import { countStatuses, runEach } from './execute';
import { generationOf, TEMPLATES_IN_ACTIVITY, type Generation } from './interpreter';
import type { Ports, SegmentInput, SegmentOutput, StepScope } from './ports';
import { temporalPorts } from './temporal-ports';

export type { SegmentInput, SegmentOutput } from './ports';

function sparse<T>(total: number, offset: number, values: T[]): T[] {
  const out = new Array<T>(total);
  values.forEach((v, i) => (out[offset + i] = v));
  return out;
}

/** Runs the segment for results `offset` .. `offset + count - 1` and keeps their outputs in the store. */
export async function runSegment(input: SegmentInput): Promise<SegmentOutput> {
  return runSegmentWith(input, temporalPorts());
}

/** {@link runSegment} through `ports`. */
export async function runSegmentWith(input: SegmentInput, ports: Ports): Promise<SegmentOutput> {
  const { chain, offset, count, total } = input;
  const engine = ports.engine;
  // Local only when the parent sized the chunk for it and the worker that first ran this child could run it so.
  const { storeWritesLocal, renderInActivity }: Generation =
    input.storeWritesLocal === true ? generationOf(input.engine, ports) : { storeWritesLocal: false, renderInActivity: ports.patched(TEMPLATES_IN_ACTIVITY) };
  let rows = input.rows ?? [];
  if (input.resultsRef) {
    rows = [];
    while (rows.length < count) {
      const page = await engine.loadResults({ ref: input.resultsRef, offset: offset + rows.length, limit: count - rows.length });
      if (page.length === 0) break;
      rows.push(...page);
    }
  }
  const results = sparse(total, offset, rows);
  input.firstResults.forEach((r, i) => (results[i] ??= r));
  const scope: StepScope = { chain, base: { ...input.base, results }, runId: input.runId, ...(input.keyBase ? { keyBase: input.keyBase } : {}), startedAt: input.startedAt, resultsRef: input.resultsRef, renderInActivity, storeWritesLocal, ...(input.engine !== undefined ? { engine: input.engine } : {}) };

  const steps: Record<string, StepRecord> = {};
  for (const [id, record] of Object.entries(input.prior)) {
    if (record.outputsRef) {
      const outputs = await engine.loadStepOutputs({ runId: record.outputsRef.runId, stepId: id, offset, limit: count });
      steps[id] = { ...record, outputs: sparse(total, offset, outputs) };
    } else steps[id] = record;
  }

  const indexes = Array.from({ length: rows.length }, (_, i) => offset + i);
  const out: SegmentOutput = { steps: {} };
  for (const stepIndex of input.stepIndexes) {
    const step = chain.steps[stepIndex];
    const outcome = await runEach({ ports, scope, steps, step, stepIndex, indexes });
    await engine.saveStepOutputs({ runId: input.runId, stepId: step.id, offset, outputs: outcome.outputs });
    steps[step.id] = { status: 'completed', action: step.action, mode: 'each', outputs: sparse(total, offset, outcome.outputs) };
    out.steps[step.id] = { counts: countStatuses(outcome.statuses), errors: outcome.errors.slice(0, 5), missing: outcome.missing };
    if (outcome.errors.length > 0 && step.onError === 'fail') {
      out.stoppedAt = step.id;
      break;
    }
  }
  return out;
}
