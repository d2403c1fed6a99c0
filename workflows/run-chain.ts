// The chain interpreter: runs each step of a chain as activities, once or per result, in one durable workflow.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, defineQuery, executeChild, isCancellation, metricMeter, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  SEARCH_ATTRIBUTES,
  durationMs,
  isActionName,
  type ActionActivities,
  type BaseContext,
  type ResultRow,
  type RunInput,
  type RunOutcome,
  type RunStatus,
  type SearchOutcome,
  type Step,
  type StepRecord,
  type StepStatus,
  type Timeframe,
} from '../dsl/model';
import { activityOptions, attempt, countStatuses, eachStatus, engine, endsCancelled, runEach, stepFailure, type Scope } from './execute';
import { runSegment, type SegmentInput } from './run-segment';
import { waitingApprovals } from './approval';

/** The `status` query: current step, progress of an `each` step, and outputs so far. */
export const statusQuery = defineQuery<RunStatus>('status');

/** Past this many results, `each` steps fan out to child workflows so no history grows unbounded. */
export const FANOUT_THRESHOLD = 200;
/** Activity executions one child may schedule: keeps each child far below 10,240 history events. */
const CHILD_ACTIVITY_BUDGET = 1_200;
/** Children running at once per fan-out. */
const CHILD_WINDOW = 8;
/** How many results of a by-reference set the run loads for the `results` token. */
const PREVIEW = 100;

/** Runs a chain for one trigger. Returns every step's record; a failed run carries them in its failure details. */
export async function runChain(input: RunInput): Promise<RunOutcome> {
  const job = String((input.chain as { name?: unknown })?.name ?? 'unknown');
  // `chain`, not `job`: Prometheus gives every scraped target a `job` label of its own.
  const runs = metricMeter.createCounter('riposte_runs', '', 'finished runs by chain and outcome');
  try {
    const outcome = await interpret(input);
    runs.add(1, { chain: job, outcome: 'completed' });
    return outcome;
  } catch (err) {
    runs.add(1, { chain: job, outcome: isCancellation(err) ? 'cancelled' : 'failed' });
    throw err;
  }
}

async function interpret(input: RunInput): Promise<RunOutcome> {
  // Chains are validated (defaults applied) before they start; this guard only keeps a chain that
  // bypassed that from naming an activity no worker registers, which Temporal would retry forever.
  const unknown = (input.chain?.steps ?? []).filter((s) => !isActionName(s.action)).map((s) => s.action);
  if (!input.chain?.steps?.length || unknown.length > 0) {
    throw ApplicationFailure.create({
      type: 'ChainValidationError',
      nonRetryable: true,
      message: `chain "${String((input.chain as { name?: unknown })?.name)}" is invalid: ${unknown.length ? `unknown actions ${unknown.join(', ')}` : 'no steps'}; validate it with \`riposte validate\` before starting it`,
    });
  }
  const chain = input.chain;
  const info = workflowInfo();
  const startedAt = info.startTime.toISOString();
  const timeframe = input.timeframe ?? jobTimeframe(chain.timeframe, scheduledTime(info) ?? info.startTime);
  // A scheduled run asks the rule guard when it starts rather than schedule sync pausing the
  // rule's schedules: the guard disables a rule and a person re-enables it at any moment, neither
  // through a sync, so only a check at start is never stale; the skipped run and its reason show in
  // the UI. Events and the intake API check before they start anything.
  if (input.trigger?.type === 'schedule' && chain.rule !== undefined && patched('schedule-rule-check')) {
    const disabled = await engine.disabledRule({ rule: chain.rule });
    if (disabled) return { steps: {}, skipped: disabled };
  }
  // A retry carries the earlier run's records of the steps before its restart point (see RunResume).
  // Runs started before retries existed never set `resume`, so their replay never reaches the patch.
  const resume = input.resume && patched('retry-resume') ? input.resume : undefined;
  let ref = input.resultsRef;
  let given = input.results ?? [];
  // A search job given no results finds its own over its time window; a retry is given the earlier run's.
  if (chain.search && !ref && given.length === 0 && !resume) {
    let found: SearchOutcome;
    try {
      found = await engine.runSearch({ job: chain.name, runId: info.workflowId, search: chain.search, timeframe });
    } catch (err) {
      if (endsCancelled(err)) throw err;
      const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
      throw ApplicationFailure.create({ type: 'SearchFailedError', nonRetryable: true, message });
    }
    if (found.count === 0 && !chain.search.runOnEmpty) return { steps: {}, noResults: true };
    ref = found.ref;
    given = found.rows;
  }
  const total = ref ? ref.count : given.length;
  let firstResults: ResultRow[] = given;
  if (ref) firstResults = await engine.loadResults({ ref, offset: 0, limit: PREVIEW });
  // With results by reference, `results` holds the first page; `results.length` is the full count.
  const results: ResultRow[] = ref ? Object.assign(new Array<ResultRow>(total), firstResults) : firstResults;

  const steps: Record<string, StepRecord> = {};
  const contextSteps: Record<string, StepRecord> = {};
  let currentStep: string | null = null;
  let progress: RunStatus['progress'];
  setHandler(statusQuery, () => ({ currentStep, progress, steps, ...waitingApprovals(scope) }));

  const incidentIds: string[] = [];
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.job, value: chain.name },
    { key: SEARCH_ATTRIBUTES.chain, value: chainVersion(input.chain) },
    { key: SEARCH_ATTRIBUTES.trigger, value: input.trigger?.type ?? 'manual' },
  ]);

  const uiUrl = input.uiUrl ? `${input.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(info.namespace)}/workflows/${encodeURIComponent(info.workflowId)}/${info.runId}/history` : undefined;
  const base: BaseContext = {
    results,
    params: { ...chain.params, ...(input.params ?? {}) },
    globals: input.globals ?? {},
    job: { name: chain.name, timeframe },
    run: { id: info.workflowId, runId: info.runId, startedAt, url: uiUrl },
    trigger: input.trigger ?? { type: 'manual' },
  };
  const scope: Scope = { chain, base, runId: info.workflowId, ...(resume ? { keyBase: resume.keyBase } : {}), startedAt, resultsRef: ref };
  const large = ref !== undefined || total > FANOUT_THRESHOLD;

  const stepCounter = metricMeter.createCounter('riposte_steps', '', 'finished steps by chain, action and status');
  const record = (step: Step, r: StepRecord, contextRecord: StepRecord = r, counted = true) => {
    if (counted) stepCounter.add(1, { chain: chain.name, action: step.action, status: r.status });
    steps[step.id] = r;
    contextSteps[step.id] = contextRecord;
    if (step.action === 'incident.create' && r.status !== 'skipped') {
      const outs = r.mode === 'each' ? contextRecord.outputs ?? [] : [r.output];
      for (const o of outs) {
        const id = (o as { incident_id?: string } | null)?.incident_id;
        if (id && !incidentIds.includes(id) && incidentIds.length < 100) incidentIds.push(id);
      }
      const severity = (step.with as { severity?: unknown }).severity;
      upsertSearchAttributes([
        { key: SEARCH_ATTRIBUTES.incidentIds, value: [...incidentIds] },
        ...(typeof severity === 'string' && !severity.includes('{{') ? [{ key: SEARCH_ATTRIBUTES.severity, value: severity.trim().toLowerCase() }] : []),
      ]);
    }
  };

  let stepIndex = 0;
  if (resume) {
    const restart = chain.steps.findIndex((s) => s.id === resume.fromStep);
    if (restart < 0) throw ApplicationFailure.create({ type: 'ChainValidationError', nonRetryable: true, message: `the retry starts at step "${resume.fromStep}", which chain "${chain.name}" does not have` });
    // The steps before the restart point keep the earlier run's records and do not run again.
    for (; stepIndex < restart; stepIndex++) {
      const step = chain.steps[stepIndex];
      const carried = resume.steps[step.id];
      if (!carried) continue;
      const outputs = carried.outputsRef ? await engine.loadStepOutputs({ runId: carried.outputsRef.runId, stepId: step.id, offset: 0, limit: PREVIEW }) : undefined;
      record(step, carried, outputs ? { ...carried, outputs } : carried, false);
    }
  }
  while (stepIndex < chain.steps.length) {
    const step = chain.steps[stepIndex];
    currentStep = step.id;
    progress = undefined;
    if (step.mode === 'once') {
      const a = await attempt(scope, contextSteps, step, stepIndex, null, proxyActivities<ActionActivities>(activityOptions(step)));
      record(step, { status: a.status, action: step.action, mode: 'once', output: a.output ?? null, ...(a.error ? { error: a.error } : {}), ...(a.missing.length ? { missingTokens: a.missing } : {}) });
      if (a.status === 'failed' && step.onError === 'fail') throw stepFailure(step, a.error, steps);
      stepIndex++;
    } else if (!large) {
      progress = { done: 0, total };
      const indexes = Array.from({ length: total }, (_, i) => i);
      const outcome = await runEach(scope, contextSteps, step, stepIndex, indexes, (done) => (progress = { done, total }));
      const counts = countStatuses(outcome.statuses);
      const status = eachStatus(counts, total);
      record(step, {
        status,
        action: step.action,
        mode: 'each',
        outputs: outcome.outputs,
        statuses: outcome.statuses,
        ...(outcome.errors.length ? { error: `${outcome.errors.length} of ${total} results failed; ${outcome.errors[0]}` } : {}),
        ...(outcome.missing.length ? { missingTokens: outcome.missing } : {}),
      });
      if (status === 'failed' && step.onError === 'fail') throw stepFailure(step, steps[step.id].error, steps);
      stepIndex++;
    } else {
      // A segment: this and the following `each` steps run together per chunk in child workflows.
      const segment: number[] = [];
      for (let j = stepIndex; j < chain.steps.length && chain.steps[j].mode === 'each'; j++) segment.push(j);
      const perResult = segment.reduce((n, j) => n + (chain.steps[j].throttle ? 2 : 1), 0);
      const chunk = Math.max(25, Math.floor(CHILD_ACTIVITY_BUDGET / perResult));
      const chunks = Math.ceil(total / chunk);
      const tallies = new Map<string, { counts: Partial<Record<StepStatus, number>>; errors: string[]; missing: Set<string> }>();
      for (const j of segment) tallies.set(chain.steps[j].id, { counts: {}, errors: [], missing: new Set() });
      const prior: Record<string, StepRecord> = { ...steps };
      let next = 0;
      let done = 0;
      let stopped = false;
      progress = { done: 0, total };
      const lane = async () => {
        while (!stopped && next < chunks) {
          const k = next++;
          const offset = k * chunk;
          const count = Math.min(chunk, total - offset);
          const child: SegmentInput = {
            chain,
            stepIndexes: segment,
            offset,
            count,
            total,
            runId: info.workflowId,
            ...(resume ? { keyBase: resume.keyBase } : {}),
            startedAt,
            base: { params: base.params, globals: base.globals, job: base.job, run: base.run, trigger: base.trigger },
            firstResults: firstResults.slice(0, PREVIEW),
            ...(ref ? { resultsRef: ref } : { rows: results.slice(offset, offset + count) }),
            prior,
          };
          const out = await executeChild(runSegment, { args: [child], workflowId: `${info.workflowId}/${step.id}/${k}`, staticSummary: `${segment.map((j) => chain.steps[j].id).join(', ')}: results ${offset}-${offset + count - 1}` });
          for (const [id, s] of Object.entries(out.steps)) {
            const t = tallies.get(id)!;
            for (const [status, n] of Object.entries(s.counts)) t.counts[status as StepStatus] = (t.counts[status as StepStatus] ?? 0) + (n ?? 0);
            t.errors.push(...s.errors);
            s.missing.forEach((m) => t.missing.add(m));
          }
          if (out.stoppedAt) stopped = true;
          done += count;
          progress = { done, total };
        }
      };
      await Promise.all(Array.from({ length: Math.min(CHILD_WINDOW, chunks) }, lane));
      for (const j of segment) {
        const s = chain.steps[j];
        const t = tallies.get(s.id)!;
        const failed = t.counts.failed ?? 0;
        const outputsRef = { runId: info.workflowId, stepId: s.id, count: total };
        const preview = await engine.loadStepOutputs({ runId: info.workflowId, stepId: s.id, offset: 0, limit: PREVIEW });
        const r: StepRecord = {
          status: eachStatus(t.counts, total),
          action: s.action,
          mode: 'each',
          outputsRef,
          counts: t.counts,
          ...(failed ? { error: `${failed} of ${total} results failed; ${t.errors[0]}` } : {}),
          ...(t.missing.size ? { missingTokens: [...t.missing] } : {}),
        };
        record(s, r, { ...r, outputs: preview });
        if (r.status === 'failed' && s.onError === 'fail') throw stepFailure(s, r.error, steps);
      }
      stepIndex += segment.length;
    }
  }
  currentStep = null;
  return { steps };
}

/** The job's window ending at `end`: from = end − timeframe, to = end. */
function jobTimeframe(timeframe: string | undefined, end: Date): Timeframe | undefined {
  if (!timeframe) return undefined;
  return { from: new Date(end.getTime() - durationMs(timeframe)).toISOString(), to: end.toISOString() };
}

/** Set by Temporal Schedules on the runs they start. */
const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The time a Temporal Schedule meant this run to start, so the window does not drift with start latency. */
function scheduledTime(info: ReturnType<typeof workflowInfo>): Date | undefined {
  const value = info.typedSearchAttributes.get(SCHEDULED_START);
  return value instanceof Date ? value : undefined;
}

/** A short, stable fingerprint of the chain that ran, to tell chain versions apart in the UI. */
function chainVersion(chain: unknown): string {
  const text = JSON.stringify(chain);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const name = (chain as { name?: string })?.name ?? 'chain';
  return `${name}@${(h2 >>> 0).toString(16).padStart(8, '0')}${(h1 >>> 0).toString(16).padStart(8, '0')}`;
}
