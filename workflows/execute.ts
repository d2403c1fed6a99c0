// Executing one step for one result (or once), shared by the run workflow and its fan-out children.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import {
  CATALOGUE,
  ChainValidationError,
  TOKEN_ROOTS,
  TemplateError,
  actionRequest,
  durationMs,
  executionKey,
  hostTaskQueue,
  isStepResult,
  literalSecretPaths,
  stepContext,
  type ActionName,
  type ActionRequest,
  type ActionSpec,
  type RenderedStep,
  type ResultRow,
  type Step,
  type StepRecord,
  type StepStatus,
  type StepTemplates,
  NON_RETRYABLE_TYPES,
} from '../dsl/model';
import { decideLegacy } from './legacy-templates';
import type { Ports, StepScope } from './ports';

export type { StepScope as Scope } from './ports';

/** The error types that are the user's to fix: retrying them cannot help. */
const NON_RETRYABLE = [...NON_RETRYABLE_TYPES];

/** Activity options from the step's overrides and the action's defaults. */
export function activityOptions(step: Step): ActivityOptions {
  const spec: ActionSpec = CATALOGUE[step.action as ActionName];
  const retry = { ...spec.retry, ...step.retry };
  return {
    startToCloseTimeout: step.timeout ?? spec.timeout,
    ...(spec.heartbeatTimeout ? { heartbeatTimeout: spec.heartbeatTimeout } : {}),
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: retry.initialInterval,
      backoffCoefficient: retry.backoff,
      maximumInterval: retry.maxInterval,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
    summary: `${step.id}: ${step.action}`,
    ...(step.host ? { taskQueue: hostTaskQueue(step.host) } : {}),
  };
}

/** Local activity options of a built-in action on the embedded store: the same timeout, retries and summary. */
export function localActivityOptions(step: Step): LocalActivityOptions {
  const { startToCloseTimeout, retry, summary } = activityOptions(step);
  return { startToCloseTimeout, retry, summary };
}

/** True when this execution of `step` runs as a local activity (see StepScope.storeWritesLocal). */
export function runsLocally(scope: StepScope, step: Step): boolean {
  return scope.storeWritesLocal === true && !step.host && (CATALOGUE[step.action as ActionName] as ActionSpec).local === true;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof CancelledFailure) return 'the step was cancelled';
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  if (err instanceof ChainValidationError) return err.message.replace(/\n/g, '; ');
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The outcome of one execution. */
export interface Attempt {
  status: StepStatus;
  output?: unknown;
  error?: string;
  missing: string[];
}

function inheritedIncident(scope: StepScope, steps: Record<string, StepRecord>, index: number | null): string | undefined {
  const earlier = scope.chain.steps.filter((s) => s.action === 'incident.create' && steps[s.id] && steps[s.id].status !== 'skipped');
  for (const s of earlier.reverse()) {
    const record = steps[s.id];
    const output = (record.mode === 'each' ? record.outputs?.[index ?? 0] : record.output) as { incident_id?: string } | null | undefined;
    if (output?.incident_id) return output.incident_id;
  }
  return undefined;
}

const rootWords = new WeakMap<object, Set<string>>();

/** Each token root with the pattern that finds it as a word of a template (compiled once; no `g` flag, so no state). */
const ROOT_PATTERNS: readonly (readonly [string, RegExp])[] = TOKEN_ROOTS.map((root) => [root, new RegExp(`(^|[^\\w.$@-])${root}(?![\\w$-])`)] as const);

/** The token roots a step's templates name, read once per step object. */
function rootsNamed(step: Step): Set<string> {
  let roots = rootWords.get(step);
  if (!roots) {
    const text = JSON.stringify([step.when ?? '', step.with, step.throttle?.key ?? '']);
    roots = new Set(ROOT_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([root]) => root));
    rootWords.set(step, roots);
  }
  return roots;
}

/**
 * The tokens one execution's templates read, for the activity that renders them: only the roots
 * they name, and a result set kept by reference as its reference, so history does not grow with
 * the context.
 */
export function templatesOf(scope: StepScope, step: Step, context: Record<string, unknown>, decide: boolean): StepTemplates {
  const roots = rootsNamed(step);
  const tokens: Record<string, unknown> = {};
  for (const root of roots) if (root !== 'local' && !(root === 'results' && scope.resultsRef) && context[root] !== undefined) tokens[root] = context[root];
  tokens.index = context.index;
  return {
    step: { id: step.id, action: step.action, mode: step.mode, when: step.when, with: step.with, throttle: step.throttle },
    strict: scope.chain.strict === true,
    chain: scope.chain.name,
    context: tokens,
    ...(roots.has('results') && scope.resultsRef ? { results: scope.resultsRef } : {}),
    decide,
  };
}

/** What one execution needs. */
export interface AttemptArgs {
  ports: Ports;
  scope: StepScope;
  /** The records of earlier steps, as tokens see them. */
  steps: Record<string, StepRecord>;
  step: Step;
  stepIndex: number;
  /** The result the execution is for; null in `once` mode. */
  index: number | null;
}

const withMissing = (output: unknown, missing: string[]) => (missing.length > 0 ? { ...(output as object), missingTokens: missing } : output);

/**
 * Runs one execution of a step. The workflow renders nothing: an action's activity renders its own
 * templates, evaluates `when` and claims the throttle (one activity per execution); job.run,
 * approval.request and steps on a script host are rendered by the engine's renderStep activity
 * first. Runs started before templates left the workflow replay through {@link attemptLegacy}.
 * Failures become a failed attempt, never a thrown error.
 */
export function attempt(args: AttemptArgs): Promise<Attempt> {
  // A plain function: the legacy path must reach its first activity in as many microtasks as the workflow that recorded it.
  return args.scope.renderInActivity ? attemptInActivity(args) : attemptLegacy(args);
}

function failed(ports: Ports, err: unknown, missing: string[]): Attempt {
  if (ports.endsCancelled(err)) throw err;
  // A local activity's final failure reaches the workflow as the activity's ApplicationFailure itself, not wrapped in an ActivityFailure.
  if (err instanceof TemplateError || err instanceof ChainValidationError || err instanceof ActivityFailure || err instanceof ApplicationFailure) {
    return { status: 'failed', error: failureMessage(err), missing };
  }
  throw err;
}

/** The request of one execution without its parameters, which its templates give. */
function baseRequest(args: AttemptArgs, context: Record<string, unknown>): ActionRequest {
  const { scope, steps, step, stepIndex, index } = args;
  const spec: ActionSpec = CATALOGUE[step.action as ActionName];
  return actionRequest(scope, step, stepIndex, index, context.result as ResultRow, { params: {}, secretPaths: [] }, spec.inheritsIncident ? inheritedIncident(scope, steps, index) : undefined);
}

/** What the step's activity decided and did. */
function activityOutcome(result: unknown): Attempt {
  if (!isStepResult(result)) return { status: 'completed', output: result ?? null, missing: [] };
  const missing = result.missing;
  if (result.status === 'completed') return { status: 'completed', output: withMissing(result.output, missing), missing };
  return { status: result.status, ...(result.output !== undefined ? { output: result.output } : {}), missing };
}

/**
 * An action's own activity renders, decides and runs the step. No async function here: the SDK's
 * promise hook takes a stack trace of every promise a workflow makes, and this path makes one
 * besides the activity's own.
 */
function attemptInActivity(args: AttemptArgs): Promise<Attempt> {
  const { ports, scope, steps, step, index } = args;
  if (step.action === 'job.run' || step.action === 'approval.request' || step.host) return attemptRendered(args);
  let request: ActionRequest;
  try {
    const context = stepContext(scope.base, steps, index);
    request = { ...baseRequest(args, context), templates: templatesOf(scope, step, context, true) };
  } catch (err) {
    return Promise.resolve().then(() => failed(ports, err, []));
  }
  return ports.action(step, request, runsLocally(scope, step)).then(activityOutcome, (err: unknown) => failed(ports, err, []));
}

/** A step the workflow executes, or one on a script host (which has no store to render with): rendered first by the engine. */
async function attemptRendered(args: AttemptArgs): Promise<Attempt> {
  const { ports, scope, steps, step, index } = args;
  const context = stepContext(scope.base, steps, index);
  let missing: string[] = [];
  try {
    const base = baseRequest(args, context);
    const rendered: RenderedStep = await ports.engine.renderStep({ ...base, templates: templatesOf(scope, step, context, true) });
    missing = rendered.missing;
    if (rendered.status !== 'ready') return { status: rendered.status, ...(rendered.output !== undefined ? { output: rendered.output } : {}), missing };
    return await runRendered(args, base, rendered.params, context, missing);
  } catch (err) {
    return failed(ports, err, missing);
  }
}

async function runRendered(args: AttemptArgs, base: ActionRequest, params: unknown, context: Record<string, unknown>, missing: string[]): Promise<Attempt> {
  const { ports, scope, step, stepIndex, index } = args;
  if (step.action === 'job.run') {
    const job = await ports.runJob({ scope, step, rendered: params, index, result: context.result as ResultRow | undefined });
    if ('error' in job) return { status: 'failed', error: job.error, missing };
    return { status: 'completed', output: withMissing(job.output, missing), missing };
  }
  if (step.action === 'approval.request') {
    const asked = await ports.requestApproval({ scope, step, stepIndex, rendered: params, index, context });
    if ('error' in asked) return { status: 'failed', error: asked.error, missing };
    return { status: 'completed', output: withMissing(asked.output, missing), missing };
  }
  const output = await ports.action(step, { ...base, params, ...secretPathsOf(step) } as ActionRequest);
  return { status: 'completed', output: withMissing(output, missing), missing };
}

/**
 * One execution of a run started before templates left the workflow, replayed: the same commands
 * in the same order and after as many microtasks as that workflow's `attempt` (the `when`, the
 * throttle claim as an activity of its own, then the action). The `when` and the parameters of
 * job.run and approval.request are decided by legacy-templates.ts; an action's activity renders
 * its parameters itself, `when` and throttle already decided (a script host is sent the rendered
 * parameters: it has no store to render with).
 */
async function attemptLegacy(args: AttemptArgs): Promise<Attempt> {
  const { ports, scope, steps, step, stepIndex, index } = args;
  const action = step.action as ActionName;
  const spec: ActionSpec = CATALOGUE[action];
  const context = stepContext(scope.base, steps, index);
  let missing: string[] = [];
  try {
    const prepared = decideLegacy(scope.chain.strict, step, context);
    missing = prepared.missing;
    if (prepared.skip) return { status: 'skipped', missing };
    const key = executionKey(scope.keyBase ?? scope.runId, step.id, index);
    if (step.throttle && prepared.throttleKey !== undefined) {
      const throttle = prepared.throttleKey;
      const claim = await ports.engine.acquireThrottle({ key: `${scope.chain.name}/${step.id}/${throttle}`, windowMs: durationMs(step.throttle.window), holder: key });
      if (!claim.acquired) return { status: 'throttled', output: { throttledUntil: claim.until, key: throttle }, missing };
    }
    if (action === 'job.run') {
      const job = await ports.runJob({ scope, step, rendered: prepared.params, index, result: context.result as ResultRow | undefined });
      if ('error' in job) return { status: 'failed', error: job.error, missing };
      return { status: 'completed', output: withMissing(job.output, missing), missing };
    }
    if (action === 'approval.request') {
      const asked = await ports.requestApproval({ scope, step, stepIndex, rendered: prepared.params, index, context });
      if ('error' in asked) return { status: 'failed', error: asked.error, missing };
      return { status: 'completed', output: withMissing(asked.output, missing), missing };
    }
    const base = actionRequest(scope, step, stepIndex, index, context.result as ResultRow, { params: {}, secretPaths: [] }, spec.inheritsIncident ? inheritedIncident(scope, steps, index) : undefined);
    const request = step.host ? { ...base, params: prepared.params, ...secretPathsOf(step) } : { ...base, templates: templatesOf(scope, step, context, false) };
    const result = await ports.action(step, request as ActionRequest);
    return { status: 'completed', output: withMissing(isStepResult(result) ? result.output : result, missing), missing };
  } catch (err) {
    return failed(ports, err, missing);
  }
}

/** The secret paths of a step rendered before its activity: read from the chain's literal text, as always. */
function secretPathsOf(step: Step): { secretPaths?: (string | number)[][] } {
  const paths = literalSecretPaths(step.with);
  return paths.length > 0 ? { secretPaths: paths } : {};
}

/** Per-result outcomes of an `each` step over some results. */
export interface EachOutcome {
  outputs: unknown[];
  statuses: StepStatus[];
  errors: string[];
  missing: string[];
}

/** What an `each` step over some results needs. */
export interface EachArgs extends Omit<AttemptArgs, 'index'> {
  indexes: number[];
  onDone?: (done: number) => void;
}

/**
 * Runs a step for each of `indexes`, at most `step.concurrency` (default 20) at a time. With
 * `onError: fail` it stops starting new executions after the first failure.
 */
export async function runEach(args: EachArgs): Promise<EachOutcome> {
  const { ports, scope, steps, step, stepIndex, indexes, onDone = () => undefined } = args;
  const outputs: unknown[] = new Array(indexes.length).fill(null);
  const statuses: StepStatus[] = new Array(indexes.length).fill('skipped');
  const errors: { index: number; text: string }[] = [];
  const missing = new Set<string>();
  let next = 0;
  let done = 0;
  let stop = false;
  const lane = async () => {
    while (!stop && next < indexes.length) {
      const slot = next++;
      const a = await attempt({ ports, scope, steps, step, stepIndex, index: indexes[slot] });
      outputs[slot] = a.output ?? null;
      statuses[slot] = a.status;
      a.missing.forEach((m) => missing.add(m));
      if (a.status === 'failed') {
        errors.push({ index: indexes[slot], text: `result ${indexes[slot]}: ${a.error}` });
        if (step.onError === 'fail') stop = true;
      }
      onDone(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(step.concurrency ?? 20, indexes.length) }, lane));
  // In result order, whatever order the executions finished in: the step's error names the first failed result.
  return { outputs, statuses, errors: errors.sort((a, b) => a.index - b.index).map((e) => e.text), missing: [...missing] };
}

/** Counts per status. */
export function countStatuses(statuses: StepStatus[]): Partial<Record<StepStatus, number>> {
  const counts: Partial<Record<StepStatus, number>> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

/** The step status of an `each` step from its per-status counts. */
export function eachStatus(counts: Partial<Record<StepStatus, number>>, total: number): StepStatus {
  if (counts.failed) return 'failed';
  if (total === 0 || counts.skipped === total) return 'skipped';
  if (!counts.completed) return 'throttled';
  return 'completed';
}

/** The error of a step failure that ends the run. */
export function stepFailure(step: Step, error: string | undefined, steps: Record<string, StepRecord>): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'StepFailedError',
    nonRetryable: true,
    message: `step "${step.id}" (${step.action}) failed: ${error}`,
    details: [{ steps }],
  });
}
