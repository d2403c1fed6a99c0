// Starting runs and reading their outcome in the shape of the CLI contract.
import crypto from 'node:crypto';
import { Client, Connection, InternalConnectionLikeSymbol, WorkflowFailedError, WorkflowNotFoundError, type ConnectionLike, type InternalConnectionLike, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId, type WorkflowHandleWithStartDetails } from '@temporalio/client';
import { ApplicationFailure, type WorkflowIdReusePolicy } from '@temporalio/common';
import { ENGINE, INLINE_RESULTS_LIMIT, RUN_WORKFLOW, assertValidChain, startSearchAttributes, type Chain, type ResultRow, type ResultsRef, type RunInput, type RunOutcome, type RunResume, type RunStatus, type StepRecord, type Timeframe, type Trigger } from '../dsl';
import type { Config } from '../config/config';
import { temporalConnectionOptions } from '../config/tls';
import { dataConverter } from './codec';
import type { Store } from '../store/store';

/** A watcher workflow's answer to `query`, or undefined when no such workflow was ever started. */
export async function queryWatcher<T>(client: Client, workflowId: string, query: string): Promise<T | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).query<T>(query);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** A run's status as the CLI reports it. */
export type RunState = 'completed' | 'failed' | 'running' | 'cancelled' | 'timed_out';

/** What `riposte run --json` prints. */
export interface RunReport {
  runId: string;
  status: RunState;
  url?: string;
  error?: string;
  /** The job's search found nothing, so the chain did not run (the job does not say `runOnEmpty`). */
  noResults?: true;
  /** A scheduled run whose job's rule is disabled did not run its chain: why. */
  skipped?: string;
  steps: Record<string, { status: StepRecord['status']; output?: unknown; outputs?: unknown[]; counts?: StepRecord['counts']; error?: string }>;
  /** While the run runs: the approvals it waits for. */
  approvals?: RunStatus['approvals'];
}

/**
 * Connects a client to the configured Temporal server; with `shared` (the NativeConnection of a
 * worker in this process), the client uses that connection instead, so runs it starts can be
 * started eagerly (see startRun). The caller closes a shared connection after its worker stops.
 */
export async function connectClient(config: Config, address: string, shared?: ConnectionLike): Promise<Client> {
  const connection = shared ?? (await Connection.connect(temporalConnectionOptions(config, address)));
  const converter = dataConverter(config);
  return new Client({ connection, namespace: config.temporal.namespace, ...(converter ? { dataConverter: converter } : {}) });
}

/** What a run is started with. */
export interface StartRunOptions {
  chain: Chain;
  results: ResultRow[];
  params?: Record<string, unknown>;
  trigger?: Trigger;
  timeframe?: Timeframe;
  taskQueue: string;
  globals?: Record<string, unknown>;
  uiUrl?: string;
  workflowId?: string;
  /** Where results too large for a payload are kept; the workers must share it. */
  store?: Store;
  /** What a start does when the workflow id was used before (event starts refuse duplicates). */
  workflowIdReusePolicy?: WorkflowIdReusePolicy;
  /** Results already kept in the store (a retry reuses the set of the run it retries); `results` is then empty. */
  resultsRef?: ResultsRef;
  /** A retry: the steps it carries over from the run it retries (see RunResume). */
  resume?: RunResume;
  /** Shown with the run in the UI and `riposte runs list` (a retry names the run it retries). */
  memo?: Record<string, unknown>;
}

/** Starts a run of a validated chain; the chain travels in the workflow input. */
export async function startRun(client: Client, options: StartRunOptions): Promise<WorkflowHandleWithStartDetails> {
  // The workflow trusts its input (it keeps zod out of its sandbox), so nothing starts unvalidated.
  options = { ...options, chain: assertValidChain(options.chain) };
  const trigger: Trigger = options.trigger ?? { type: 'manual' };
  const workflowId = options.workflowId ?? `${options.chain.name}-${trigger.id ?? crypto.randomUUID()}`;
  let results = options.results;
  let resultsRef: RunInput['resultsRef'] = options.resultsRef;
  if (!resultsRef && resultsSize(results) > INLINE_RESULTS_LIMIT) {
    if (!options.store) throw new Error(`the results are larger than ${INLINE_RESULTS_LIMIT} bytes and no store is configured to keep them`);
    // A set of its own per start: a repeated start (refused as a duplicate) must not replace the rows of the run it repeats.
    const setId = `${workflowId}/${crypto.randomUUID()}`;
    await options.store.saveResultSet(setId, results);
    resultsRef = { id: setId, count: results.length };
    results = [];
  }
  const input: RunInput = {
    chain: options.chain,
    results,
    ...(resultsRef ? { resultsRef } : {}),
    params: options.params,
    trigger,
    timeframe: options.timeframe,
    globals: options.globals,
    uiUrl: options.uiUrl,
    ...(options.resume ? { resume: options.resume } : {}),
    engine: ENGINE,
  };
  const count = resultsRef ? resultsRef.count : options.results.length;
  const retry = options.resume ? `; retry of ${options.resume.runId} from step ${options.resume.fromStep}` : '';
  return client.workflow.start(RUN_WORKFLOW, {
    taskQueue: options.taskQueue,
    workflowId,
    args: [input],
    staticSummary: `${options.chain.name}: ${count} result(s)${resultsRef ? ' by reference' : ''}, ${options.chain.steps.length} step(s)${retry}`,
    typedSearchAttributes: startSearchAttributes(options.chain, trigger.type),
    ...(options.workflowIdReusePolicy ? { workflowIdReusePolicy: options.workflowIdReusePolicy } : {}),
    ...(options.memo ? { memo: options.memo } : {}),
    // Eager workflow start: the server hands the first workflow task back with the start answer, to a
    // worker of this process, and skips the trip through matching; without a free slot on a local
    // worker polling this task queue the SDK drops the request and the start is an ordinary one.
    ...(sharesWorkerConnection(client) ? { requestEagerStart: true } : {}),
  });
}

/** True when the client runs on a worker's NativeConnection, the only connection the SDK starts workflows eagerly on. */
export function sharesWorkerConnection(client: Client): boolean {
  return (client.connection as InternalConnectionLike)[InternalConnectionLikeSymbol]?.supportsEagerStart === true;
}

function resultsSize(results: ResultRow[]): number {
  let size = 2;
  for (const row of results) {
    size += JSON.stringify(row).length + 1;
    if (size > INLINE_RESULTS_LIMIT) break;
  }
  return size;
}

/**
 * The Temporal UI page of one run: `<ui>/namespaces/<ns>/workflows/<workflow id>/<run id>/history`
 * (run id included). The UI answers a link without the run id with an error page, so the run id is required.
 */
export function runUrl(uiUrl: string | undefined, namespace: string, workflowId: string, runId: string): string | undefined {
  if (!uiUrl) return undefined;
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/** The Temporal run id of a workflow's latest run, or undefined when there is no such workflow. */
export async function latestRunId(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The UI link of the run a handle names: the run it started, or the workflow's latest run. */
export async function handleUrl(handle: WorkflowHandle, uiUrl: string | undefined, namespace: string): Promise<string | undefined> {
  if (!uiUrl) return undefined;
  const started = (handle as Partial<WorkflowHandleWithFirstExecutionRunId>).firstExecutionRunId;
  const runId = started ?? (await handle.describe()).runId;
  return runUrl(uiUrl, namespace, handle.workflowId, runId);
}

/** Step records in the report's shape; `each` outputs kept in the store are read back when a store is given. */
export async function reportSteps(steps: Record<string, StepRecord>, store?: Store): Promise<RunReport['steps']> {
  const out: RunReport['steps'] = {};
  for (const [id, s] of Object.entries(steps)) {
    let outputs = s.outputs;
    if (s.mode === 'each' && s.outputsRef && store) outputs = await store.loadStepOutputs(s.outputsRef.runId, s.outputsRef.stepId);
    out[id] = {
      status: s.status,
      ...(s.mode === 'each' ? { outputs: outputs ?? [] } : { output: s.output ?? null }),
      ...(s.counts ? { counts: s.counts } : {}),
      ...(s.error ? { error: s.error } : {}),
    };
  }
  return out;
}

const STATES: Record<string, RunState> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  RUNNING: 'running',
  CANCELLED: 'cancelled',
  TERMINATED: 'cancelled',
  TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'running',
};

/** How readRun reads: `wait` for the run's end, or take it as it stands; `store` resolves results kept by reference. */
export interface ReadRunOptions {
  wait: boolean;
  store?: Store;
}

/**
 * Reads a run's outcome: with `wait`, its steps once it finishes; without, its progress so far
 * when still running (and its outcome when it has finished).
 */
export async function readRun(handle: WorkflowHandle, options: ReadRunOptions): Promise<RunReport> {
  const { wait, store } = options;
  if (wait) {
    try {
      const outcome = (await handle.result()) as RunOutcome;
      return { runId: handle.workflowId, status: 'completed', ...(outcome.noResults ? { noResults: true as const } : {}), ...(outcome.skipped ? { skipped: outcome.skipped } : {}), steps: await reportSteps(outcome.steps, store) };
    } catch (err) {
      return failedReport(handle.workflowId, err, store);
    }
  }
  const description = await handle.describe();
  const status = STATES[description.status.name] ?? 'running';
  if (status === 'running') {
    // With no worker polling, a query waits for one; a report without live steps is better than none.
    const snapshot = await handle.client.withDeadline(Date.now() + 10_000, () => handle.query<RunStatus>('status')).catch(() => undefined);
    return { runId: handle.workflowId, status, steps: snapshot ? await reportSteps(snapshot.steps) : {}, ...(snapshot?.approvals?.length ? { approvals: snapshot.approvals } : {}) };
  }
  return readRun(handle, { wait: true, store });
}

async function failedReport(runId: string, err: unknown, store?: Store): Promise<RunReport> {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as RunOutcome | undefined) : undefined;
    const state: RunState = cause?.name === 'CancelledFailure' ? 'cancelled' : cause?.name === 'TimeoutFailure' ? 'timed_out' : cause?.name === 'TerminatedFailure' ? 'cancelled' : 'failed';
    return { runId, status: state, error: cause?.message ?? err.message, steps: details?.steps ? await reportSteps(details.steps, store) : {} };
  }
  throw err;
}
