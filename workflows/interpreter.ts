// The chain interpreter's decisions: which step runs next, in which mode, and what the run records; Temporal is reached through Ports.
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import {
  SEARCH_ATTRIBUTES,
  startSearchAttributes,
  durationMs,
  isActionName,
  type BaseContext,
  type Chain,
  type ResultRow,
  type ResultsRef,
  type RunInput,
  type RunOutcome,
  type RunStatus,
  type SearchOutcome,
  type Step,
  type StepRecord,
  type StepStatus,
  type Timeframe,
} from '../dsl/model';
import { attempt, countStatuses, eachStatus, runEach, runsLocally, stepFailure, type Attempt } from './execute';
import type { Ports, SegmentInput, StepScope } from './ports';

/** Past this many results, `each` steps fan out to child workflows so no history grows unbounded. */
export const FANOUT_THRESHOLD = 200;
/**
 * Activity executions one child may schedule: keeps each child far below 10,240 history events. A
 * scheduled activity leaves three events (scheduled, started, completed), a local activity one marker,
 * so with store writes local (STORE_WRITES_LOCAL) a local execution counts a third.
 */
const CHILD_ACTIVITY_BUDGET = 1_200;
/** Children running at once per fan-out. */
const CHILD_WINDOW = 8;
/** How many results of a by-reference set the run loads for the `results` token. */
export const PREVIEW = 100;

/** The patch under which steps' activities render their own templates (see BENCHMARKS.md, "Design: templates in the activity"). */
export const TEMPLATES_IN_ACTIVITY = 'templates-in-activity';
/** The patch under which the built-in actions on the embedded store run as local activities (see BENCHMARKS.md). */
export const STORE_WRITES_LOCAL = 'store-writes-local';

/** How a run executes, decided before its first step (see {@link generationOf}). */
export interface Generation {
  /** Each step's activity renders its templates (TEMPLATES_IN_ACTIVITY). */
  renderInActivity: boolean;
  /** The built-in actions on the embedded store run as local activities (STORE_WRITES_LOCAL). */
  storeWritesLocal: boolean;
}

/**
 * The generation of a run or fan-out child, from its input's `engine` and its patches.
 *
 * - Without `engine` (started before RunInput.engine existed): the patches decide, as they always
 *   did. `store-writes-local` is asked first; `templates-in-activity` only when it answers false.
 * - With `engine`, on its first execution: everything on, and no patch asked, so no marker and no
 *   `TemporalChangeVersion` upsert reach history.
 * - With `engine`, on replay: the patches are asked in the same order. patched() sends no command
 *   on replay; it answers true where a worker that did not read `engine` recorded the marker. That
 *   worker's markers are consumed where it asked them, and its generation is followed. A history
 *   with neither marker was recorded without patches: everything on.
 */
export function generationOf(engine: number | undefined, ports: Ports): Generation {
  if (engine !== undefined && !ports.replaying()) return { renderInActivity: true, storeWritesLocal: true };
  const storeWritesLocal = ports.patched(STORE_WRITES_LOCAL);
  const renderInActivity = storeWritesLocal || ports.patched(TEMPLATES_IN_ACTIVITY);
  if (engine !== undefined && !renderInActivity) return { renderInActivity: true, storeWritesLocal: true };
  return { renderInActivity, storeWritesLocal };
}

/**
 * An older patch (schedule-rule-check, retry-resume): asked as before by a run without `engine`;
 * true for a run with it, and still asked on replay, to consume a marker an older worker recorded.
 */
function olderPatch(engine: number | undefined, ports: Ports, id: string): boolean {
  if (engine === undefined) return ports.patched(id);
  if (ports.replaying()) ports.patched(id);
  return true;
}

/** A run in progress: what every step mode reads and writes. */
interface Run {
  ports: Ports;
  chain: Chain;
  scope: StepScope;
  /** The results the run was given or found: inline, or the first page of a set kept by reference. */
  firstResults: ResultRow[];
  results: ResultRow[];
  total: number;
  ref?: ResultsRef;
  steps: Record<string, StepRecord>;
  /** The records as tokens see them (with the first outputs of a fan-out step). */
  contextSteps: Record<string, StepRecord>;
  status: { currentStep: string | null; progress?: RunStatus['progress'] };
  incidentIds: string[];
}

function invalidChain(input: RunInput): ApplicationFailure | undefined {
  // Chains are validated (defaults applied) before they start; this guard only keeps a chain that
  // bypassed that from naming an activity no worker registers, which Temporal would retry forever.
  const unknown = (input.chain?.steps ?? []).filter((s) => !isActionName(s.action)).map((s) => s.action);
  if (input.chain?.steps?.length && unknown.length === 0) return undefined;
  return ApplicationFailure.create({
    type: 'ChainValidationError',
    nonRetryable: true,
    message: `chain "${String((input.chain as { name?: unknown })?.name)}" is invalid: ${unknown.length ? `unknown actions ${unknown.join(', ')}` : 'no steps'}; validate it with \`riposte validate\` before starting it`,
  });
}

/** Runs a chain for one trigger through `ports`. Returns every step's record; a failed run carries them in its failure details. */
export async function interpret(input: RunInput, ports: Ports): Promise<RunOutcome> {
  const invalid = invalidChain(input);
  if (invalid) throw invalid;
  const chain = input.chain;
  const info = ports.identity();
  const startedAt = info.startTime.toISOString();
  const timeframe = input.timeframe ?? jobTimeframe(chain.timeframe, info.scheduledTime ?? info.startTime);
  // A scheduled run asks the rule guard when it starts rather than schedule sync pausing the
  // rule's schedules: the guard disables a rule and a person re-enables it at any moment, neither
  // through a sync, so only a check at start is never stale; the skipped run and its reason show in
  // the UI. Events and the intake API check before they start anything.
  if (input.trigger?.type === 'schedule' && chain.rule !== undefined && olderPatch(input.engine, ports, 'schedule-rule-check')) {
    const disabled = await ports.engine.disabledRule({ rule: chain.rule });
    if (disabled) return { steps: {}, skipped: disabled };
  }
  // A retry carries the earlier run's records of the steps before its restart point (see RunResume).
  // Runs started before retries existed never set `resume`, so their replay never reaches the patch.
  const resume = input.resume && olderPatch(input.engine, ports, 'retry-resume') ? input.resume : undefined;
  let ref = input.resultsRef;
  let given = input.results ?? [];
  // A search job given no results finds its own over its time window; a retry is given the earlier run's.
  if (chain.search && !ref && given.length === 0 && !resume) {
    let found: SearchOutcome;
    try {
      found = await ports.engine.runSearch({ job: chain.name, runId: info.workflowId, search: chain.search, timeframe });
    } catch (err) {
      if (ports.endsCancelled(err)) throw err;
      const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
      throw ApplicationFailure.create({ type: 'SearchFailedError', nonRetryable: true, message });
    }
    if (found.count === 0 && !chain.search.runOnEmpty) return { steps: {}, noResults: true };
    ref = found.ref;
    given = found.rows;
  }
  const total = ref ? ref.count : given.length;
  let firstResults: ResultRow[] = given;
  if (ref) firstResults = await ports.engine.loadResults({ ref, offset: 0, limit: PREVIEW });
  // Asked here, after every command a run started before templates left the workflow made before its first step.
  const { storeWritesLocal, renderInActivity } = generationOf(input.engine, ports);
  // With results by reference, `results` holds the first page; `results.length` is the full count.
  const results: ResultRow[] = ref ? Object.assign(new Array<ResultRow>(total), firstResults) : firstResults;

  const status: Run['status'] = { currentStep: null };
  const steps: Record<string, StepRecord> = {};
  const base: BaseContext = {
    results,
    params: { ...chain.params, ...(input.params ?? {}) },
    globals: input.globals ?? {},
    job: { name: chain.name, timeframe },
    run: { id: info.workflowId, runId: info.runId, startedAt, url: runUrl(input.uiUrl, info) },
    trigger: input.trigger ?? { type: 'manual' },
  };
  const scope: StepScope = {
    chain,
    base,
    runId: info.workflowId,
    ...(resume ? { keyBase: resume.keyBase } : {}),
    startedAt,
    resultsRef: ref,
    renderInActivity,
    storeWritesLocal,
    ...(input.engine !== undefined ? { engine: input.engine } : {}),
  };
  const run: Run = { ports, chain, scope, firstResults, results, total, ref, steps, contextSteps: {}, status, incidentIds: [] };
  ports.onStatus(() => ({ currentStep: status.currentStep, progress: status.progress, steps }), scope);
  // A start request of today's clients carries these (startSearchAttributes); an older one's did not.
  // Skipped only under the patch: a worker from before it upserts them whatever the start carried.
  // A start with `engine` carried them, so the run does not fingerprint its chain again to check.
  if (!storeWritesLocal || input.engine === undefined) {
    const attributes = startSearchAttributes(chain, input.trigger?.type ?? 'manual');
    const carried = storeWritesLocal && attributes.every((a) => info.searchAttributes?.[a.key.name] === a.value);
    if (!carried) ports.upsertSearchAttributes(attributes);
  }

  let stepIndex = resume ? await carryResumed(run, resume) : 0;
  const large = ref !== undefined || total > FANOUT_THRESHOLD;
  while (stepIndex < chain.steps.length) {
    const step = chain.steps[stepIndex];
    status.currentStep = step.id;
    status.progress = undefined;
    // A `once` step is awaited here, not in a function of its own: one promise fewer per step for the SDK's promise hook.
    if (step.mode === 'once') stepIndex = recordOnce({ run, step, stepIndex }, await attempt({ ports, scope, steps: run.contextSteps, step, stepIndex, index: null }));
    else if (!large) stepIndex = await runInlineEach({ run, step, stepIndex });
    else stepIndex = await runFanOut({ run, stepIndex });
  }
  status.currentStep = null;
  return { steps };
}

/** Records a step's outcome: for the run, for the tokens of later steps, metrics and search attributes. */
function record(run: Run, step: Step, r: StepRecord, contextRecord: StepRecord = r, counted = true): void {
  if (counted) run.ports.count('riposte_steps', { chain: run.chain.name, action: step.action, status: r.status });
  run.steps[step.id] = r;
  run.contextSteps[step.id] = contextRecord;
  if (step.action === 'incident.create' && r.status !== 'skipped') {
    const outs = r.mode === 'each' ? contextRecord.outputs ?? [] : [r.output];
    for (const o of outs) {
      const id = (o as { incident_id?: string } | null)?.incident_id;
      if (id && !run.incidentIds.includes(id) && run.incidentIds.length < 100) run.incidentIds.push(id);
    }
    const severity = (step.with as { severity?: unknown }).severity;
    run.ports.upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.incidentIds, value: [...run.incidentIds] },
      ...(typeof severity === 'string' && !severity.includes('{{') ? [{ key: SEARCH_ATTRIBUTES.severity, value: severity.trim().toLowerCase() }] : []),
    ]);
  }
}

/** A retry: the steps before the restart point keep the earlier run's records and do not run again. Returns the restart point. */
async function carryResumed(run: Run, resume: NonNullable<RunInput['resume']>): Promise<number> {
  const { chain, ports } = run;
  const restart = chain.steps.findIndex((s) => s.id === resume.fromStep);
  if (restart < 0) throw ApplicationFailure.create({ type: 'ChainValidationError', nonRetryable: true, message: `the retry starts at step "${resume.fromStep}", which chain "${chain.name}" does not have` });
  for (let stepIndex = 0; stepIndex < restart; stepIndex++) {
    const step = chain.steps[stepIndex];
    const carried = resume.steps[step.id];
    if (!carried) continue;
    const outputs = carried.outputsRef ? await ports.engine.loadStepOutputs({ runId: carried.outputsRef.runId, stepId: step.id, offset: 0, limit: PREVIEW }) : undefined;
    record(run, step, carried, outputs ? { ...carried, outputs } : carried, false);
  }
  return restart;
}

/** What a step mode is given: the run, and where the step is. */
interface StepArgs {
  run: Run;
  step: Step;
  stepIndex: number;
}

/** Records a `once` step's one execution. Returns the index of the next step. */
function recordOnce({ run, step, stepIndex }: StepArgs, a: Attempt): number {
  record(run, step, { status: a.status, action: step.action, mode: 'once', output: a.output ?? null, ...(a.error ? { error: a.error } : {}), ...(a.missing.length ? { missingTokens: a.missing } : {}) });
  if (a.status === 'failed' && step.onError === 'fail') throw stepFailure(step, a.error, run.steps);
  return stepIndex + 1;
}

/** An `each` step over a result set small enough for this workflow's history: one execution per result. */
async function runInlineEach({ run, step, stepIndex }: StepArgs): Promise<number> {
  const { total } = run;
  run.status.progress = { done: 0, total };
  const indexes = Array.from({ length: total }, (_, i) => i);
  const outcome = await runEach({ ports: run.ports, scope: run.scope, steps: run.contextSteps, step, stepIndex, indexes, onDone: (done) => (run.status.progress = { done, total }) });
  const counts = countStatuses(outcome.statuses);
  const status = eachStatus(counts, total);
  record(run, step, {
    status,
    action: step.action,
    mode: 'each',
    outputs: outcome.outputs,
    statuses: outcome.statuses,
    ...(outcome.errors.length ? { error: `${outcome.errors.length} of ${total} results failed; ${outcome.errors[0]}` } : {}),
    ...(outcome.missing.length ? { missingTokens: outcome.missing } : {}),
  });
  if (status === 'failed' && step.onError === 'fail') throw stepFailure(step, run.steps[step.id].error, run.steps);
  return stepIndex + 1;
}

/** Per step of a fan-out: what its children reported. */
type Tallies = Map<string, { counts: Partial<Record<StepStatus, number>>; errors: string[]; missing: Set<string> }>;

/**
 * A segment of a large result set: this and the following `each` steps run together per chunk in
 * child workflows, at most CHILD_WINDOW at a time. Returns the index of the step after the segment.
 */
async function runFanOut({ run, stepIndex }: Omit<StepArgs, 'step'>): Promise<number> {
  const { chain, total, scope, ports } = run;
  const step = chain.steps[stepIndex];
  const segment: number[] = [];
  for (let j = stepIndex; j < chain.steps.length && chain.steps[j].mode === 'each'; j++) segment.push(j);
  const perResult = segment.reduce((n, j) => n + executionsPerResult(scope, chain.steps[j]), 0);
  const chunk = Math.max(25, Math.floor(CHILD_ACTIVITY_BUDGET / perResult));
  const chunks = Math.ceil(total / chunk);
  const tallies: Tallies = new Map();
  for (const j of segment) tallies.set(chain.steps[j].id, { counts: {}, errors: [], missing: new Set() });
  const prior: Record<string, StepRecord> = { ...run.steps };
  let next = 0;
  let done = 0;
  let stopped = false;
  run.status.progress = { done: 0, total };
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
        runId: scope.runId,
        ...(scope.keyBase ? { keyBase: scope.keyBase } : {}),
        startedAt: scope.startedAt,
        base: { params: scope.base.params, globals: scope.base.globals, job: scope.base.job, run: scope.base.run, trigger: scope.base.trigger },
        firstResults: run.firstResults.slice(0, PREVIEW),
        ...(run.ref ? { resultsRef: run.ref } : { rows: run.results.slice(offset, offset + count) }),
        prior,
        ...(scope.storeWritesLocal ? { storeWritesLocal: true } : {}),
        ...(scope.engine !== undefined ? { engine: scope.engine } : {}),
      };
      const out = await ports.runSegment(child, { workflowId: `${scope.runId}/${step.id}/${k}`, summary: `${segment.map((j) => chain.steps[j].id).join(', ')}: results ${offset}-${offset + count - 1}` });
      for (const [id, s] of Object.entries(out.steps)) {
        const t = tallies.get(id)!;
        for (const [st, n] of Object.entries(s.counts)) t.counts[st as StepStatus] = (t.counts[st as StepStatus] ?? 0) + (n ?? 0);
        t.errors.push(...s.errors);
        s.missing.forEach((m) => t.missing.add(m));
      }
      if (out.stoppedAt) stopped = true;
      done += count;
      run.status.progress = { done, total };
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHILD_WINDOW, chunks) }, lane));
  await recordTallies(run, segment, tallies);
  return stepIndex + segment.length;
}

/** What one result of `step` costs a child's budget: a throttle claim was an activity of its own on the old path; a local execution a third. */
function executionsPerResult(scope: StepScope, step: Step): number {
  if (!scope.renderInActivity) return step.throttle ? 2 : 1;
  return runsLocally(scope, step) ? 1 / 3 : 1;
}

/** The records of a fan-out's steps from their children's tallies; the outputs stay in the store, the first page is read for tokens. */
async function recordTallies(run: Run, segment: number[], tallies: Tallies): Promise<void> {
  const { chain, total, scope, ports } = run;
  for (const j of segment) {
    const s = chain.steps[j];
    const t = tallies.get(s.id)!;
    const failed = t.counts.failed ?? 0;
    const outputsRef = { runId: scope.runId, stepId: s.id, count: total };
    const preview = await ports.engine.loadStepOutputs({ runId: scope.runId, stepId: s.id, offset: 0, limit: PREVIEW });
    const r: StepRecord = {
      status: eachStatus(t.counts, total),
      action: s.action,
      mode: 'each',
      outputsRef,
      counts: t.counts,
      ...(failed ? { error: `${failed} of ${total} results failed; ${t.errors[0]}` } : {}),
      ...(t.missing.size ? { missingTokens: [...t.missing] } : {}),
    };
    record(run, s, r, { ...r, outputs: preview });
    if (r.status === 'failed' && s.onError === 'fail') throw stepFailure(s, r.error, run.steps);
  }
}

/** The job's window ending at `end`: from = end − timeframe, to = end. */
function jobTimeframe(timeframe: string | undefined, end: Date): Timeframe | undefined {
  if (!timeframe) return undefined;
  return { from: new Date(end.getTime() - durationMs(timeframe)).toISOString(), to: end.toISOString() };
}

function runUrl(uiUrl: string | undefined, info: { namespace: string; workflowId: string; runId: string }): string | undefined {
  return uiUrl ? `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(info.namespace)}/workflows/${encodeURIComponent(info.workflowId)}/${info.runId}/history` : undefined;
}
