// Executing one step for one result (or once), shared by the run workflow and its fan-out children.
import { ActivityFailure, ApplicationFailure, CancellationScope, CancelledFailure, isCancellation, patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { runJob } from './run-job';
import { requestApproval } from './approval';
import {
  CATALOGUE,
  ChainValidationError,
  TemplateError,
  actionRequest,
  durationMs,
  executionKey,
  hostTaskQueue,
  prepareStep,
  stepContext,
  type ActionActivities,
  type ActionName,
  type ActionOutputs,
  type ActionRequest,
  type ActivityActionName,
  type ActionSpec,
  type BaseContext,
  type Chain,
  type EngineActivities,
  type ResultRow,
  type ResultsRef,
  type Step,
  type StepRecord,
  type StepStatus,
} from '../dsl';
import { NON_RETRYABLE_TYPES } from '../dsl/failures';

/** The engine's own activities: response limiter, result loading, output keeping. */
export const engine = proxyActivities<EngineActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '30s' },
  summary: 'riposte engine',
});

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

function callAction<A extends ActivityActionName>(activities: ActionActivities, action: A, request: ActionRequest<A>): Promise<ActionOutputs[A]> {
  const fn = activities[action] as (r: ActionRequest<A>) => Promise<ActionOutputs[A]>;
  return fn(request);
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof CancelledFailure) return 'the step was cancelled';
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  if (err instanceof ChainValidationError) return err.message.replace(/\n/g, '; ');
  if (err instanceof Error) return err.message;
  return String(err);
}

/** What a run's steps share: the chain, the tokens, and the root run's identity for idempotency keys. */
export interface Scope {
  chain: Chain;
  base: BaseContext;
  /** The workflow id of the run (not of a fan-out child), so keys stay the same wherever a result runs. */
  runId: string;
  /** The workflow id idempotency keys derive from when it is not `runId`: a retry keeps the keys of the run it retries. */
  keyBase?: string;
  startedAt: string;
  resultsRef?: ResultsRef;
}

/** The outcome of one execution. */
export interface Attempt {
  status: StepStatus;
  output?: unknown;
  error?: string;
  missing: string[];
}

function inheritedIncident(scope: Scope, steps: Record<string, StepRecord>, index: number | null): string | undefined {
  const earlier = scope.chain.steps.filter((s) => s.action === 'incident.create' && steps[s.id] && steps[s.id].status !== 'skipped');
  for (const s of earlier.reverse()) {
    const record = steps[s.id];
    const output = (record.mode === 'each' ? record.outputs?.[index ?? 0] : record.output) as { incident_id?: string } | null | undefined;
    if (output?.incident_id) return output.incident_id;
  }
  return undefined;
}

/** Renders, checks, throttles and runs one execution of a step. Failures become a failed attempt, never a thrown error. */
export async function attempt(scope: Scope, steps: Record<string, StepRecord>, step: Step, stepIndex: number, index: number | null, activities: ActionActivities): Promise<Attempt> {
  const action = step.action as ActionName;
  const spec: ActionSpec = CATALOGUE[action];
  const context = stepContext(scope.base, steps, index);
  let missing: string[] = [];
  try {
    const prepared = prepareStep(scope.chain, step, stepIndex, context, { parse: false });
    missing = prepared.missing;
    if (prepared.skip) return { status: 'skipped', missing };
    const key = executionKey(scope.keyBase ?? scope.runId, step.id, index);
    if (step.throttle && prepared.throttleKey !== undefined) {
      const throttle = prepared.throttleKey;
      const claim = await engine.acquireThrottle({ key: `${scope.chain.name}/${step.id}/${throttle}`, windowMs: durationMs(step.throttle.window), holder: key });
      if (!claim.acquired) return { status: 'throttled', output: { throttledUntil: claim.until, key: throttle }, missing };
    }
    if (action === 'job.run') {
      const job = await runJob(scope, step, prepared.params, index, context.result as ResultRow | undefined);
      if ('error' in job) return { status: 'failed', error: job.error, missing };
      return { status: 'completed', output: missing.length > 0 ? { ...job.output, missingTokens: missing } : job.output, missing };
    }
    if (action === 'approval.request') {
      const asked = await requestApproval(scope, step, stepIndex, prepared.params, index, context);
      if ('error' in asked) return { status: 'failed', error: asked.error, missing };
      return { status: 'completed', output: missing.length > 0 ? { ...asked.output, missingTokens: missing } : asked.output, missing };
    }
    const request = actionRequest(scope, step, stepIndex, index, context.result as ResultRow, prepared, spec.inheritsIncident ? inheritedIncident(scope, steps, index) : undefined);
    const output: object = await callAction(activities, action, request);
    return { status: 'completed', output: missing.length > 0 ? { ...output, missingTokens: missing } : output, missing };
  } catch (err) {
    if (endsCancelled(err)) throw err;
    if (err instanceof TemplateError || err instanceof ChainValidationError || err instanceof ActivityFailure) {
      return { status: 'failed', error: failureMessage(err), missing };
    }
    throw err;
  }
}

/**
 * True when the run was cancelled (`riposte runs cancel`) and `err` is that cancellation reaching a
 * step: it must end the run `cancelled` rather than become a failed step. Runs cancelled before this
 * rule replay as they ran (a failed step), hence the patch.
 */
export function endsCancelled(err: unknown): boolean {
  return isCancellation(err) && CancellationScope.current().consideredCancelled && patched('cancelled-run-ends-cancelled');
}

/** Per-result outcomes of an `each` step over some results. */
export interface EachOutcome {
  outputs: unknown[];
  statuses: StepStatus[];
  errors: string[];
  missing: string[];
}

/**
 * Runs a step for each of `indexes`, at most `step.concurrency` (default 20) at a time. With
 * `onError: fail` it stops starting new executions after the first failure.
 */
export async function runEach(scope: Scope, steps: Record<string, StepRecord>, step: Step, stepIndex: number, indexes: number[], onDone: (done: number) => void = () => undefined): Promise<EachOutcome> {
  const activities = proxyActivities<ActionActivities>(activityOptions(step));
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
      const a = await attempt(scope, steps, step, stepIndex, indexes[slot], activities);
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
