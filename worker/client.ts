// Starting runs and reading their outcome in the shape of the CLI contract.
import crypto from 'node:crypto';
import { Client, Connection, WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type WorkflowIdReusePolicy } from '@temporalio/common';
import { INLINE_RESULTS_LIMIT, RUN_WORKFLOW, assertValidChain, SEARCH_ATTRIBUTES, type Chain, type ResultRow, type RunInput, type RunOutcome, type RunStatus, type StepRecord, type Timeframe, type Trigger } from '../dsl';
import type { Config } from './config';
import { temporalConnectionOptions } from './tls';
import { dataConverter } from './codec';
import type { Store } from '../activities/store/store';

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

/** Connects a client to the configured Temporal server. */
export async function connectClient(config: Config, address: string): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config, address));
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
}

/** Starts a run of a validated chain; the chain travels in the workflow input. */
export async function startRun(client: Client, options: StartRunOptions): Promise<WorkflowHandle> {
  // The workflow trusts its input (it keeps zod out of its sandbox), so nothing starts unvalidated.
  options = { ...options, chain: assertValidChain(options.chain) };
  const trigger: Trigger = options.trigger ?? { type: 'manual' };
  const workflowId = options.workflowId ?? `${options.chain.name}-${trigger.id ?? crypto.randomUUID()}`;
  let results = options.results;
  let resultsRef: RunInput['resultsRef'];
  if (resultsSize(results) > INLINE_RESULTS_LIMIT) {
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
  };
  return client.workflow.start(RUN_WORKFLOW, {
    taskQueue: options.taskQueue,
    workflowId,
    args: [input],
    staticSummary: `${options.chain.name}: ${options.results.length} result(s)${resultsRef ? ' by reference' : ''}, ${options.chain.steps.length} step(s)`,
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.job, value: options.chain.name }],
    ...(options.workflowIdReusePolicy ? { workflowIdReusePolicy: options.workflowIdReusePolicy } : {}),
  });
}

function resultsSize(results: ResultRow[]): number {
  let size = 2;
  for (const row of results) {
    size += JSON.stringify(row).length + 1;
    if (size > INLINE_RESULTS_LIMIT) break;
  }
  return size;
}

/** The Temporal UI page of a run. */
export function runUrl(uiUrl: string | undefined, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!uiUrl) return undefined;
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}${runId ? `/${runId}` : ''}/history`;
}

async function reportSteps(steps: Record<string, StepRecord>, store?: Store): Promise<RunReport['steps']> {
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

/** Reads a run's outcome: its steps when finished, its progress so far when still running. */
export async function readRun(handle: WorkflowHandle, wait: boolean, store?: Store): Promise<RunReport> {
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
    const snapshot = await handle.query<RunStatus>('status').catch(() => undefined);
    return { runId: handle.workflowId, status, steps: snapshot ? await reportSteps(snapshot.steps) : {}, ...(snapshot?.approvals?.length ? { approvals: snapshot.approvals } : {}) };
  }
  return readRun(handle, true, store);
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
