// Starting runs and reading their outcome in the shape of the CLI contract.
import crypto from 'node:crypto';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { RUN_WORKFLOW, SEARCH_ATTRIBUTES, type Chain, type ResultRow, type RunInput, type RunOutcome, type RunStatus, type StepRecord, type Timeframe, type Trigger } from '../dsl';
import type { Config } from './config';
import { readTls } from './tls';
import { resolveSecret } from '../activities/secrets';

/** A run's status as the CLI reports it. */
export type RunState = 'completed' | 'failed' | 'running' | 'cancelled' | 'timed_out';

/** What `riposte run --json` prints. */
export interface RunReport {
  runId: string;
  status: RunState;
  url?: string;
  error?: string;
  steps: Record<string, { status: StepRecord['status']; output?: unknown; outputs?: unknown[]; error?: string }>;
}

/** Connects a client to the configured Temporal server. */
export async function connectClient(config: Config, address: string): Promise<Client> {
  const tls = readTls(config.temporal.tls);
  const apiKey = config.temporal.apiKey ? resolveSecret(config.temporal.apiKey, 'temporal.apiKey') : undefined;
  const connection = await Connection.connect({ address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) });
  return new Client({ connection, namespace: config.temporal.namespace });
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
}

/** Starts a run of a validated chain; the chain travels in the workflow input. */
export async function startRun(client: Client, options: StartRunOptions): Promise<WorkflowHandle> {
  const trigger: Trigger = options.trigger ?? { type: 'manual' };
  const input: RunInput = {
    chain: options.chain,
    results: options.results,
    params: options.params,
    trigger,
    timeframe: options.timeframe,
    globals: options.globals,
    uiUrl: options.uiUrl,
  };
  const workflowId = options.workflowId ?? `${options.chain.name}-${trigger.id ?? crypto.randomUUID()}`;
  return client.workflow.start(RUN_WORKFLOW, {
    taskQueue: options.taskQueue,
    workflowId,
    args: [input],
    staticSummary: `${options.chain.name}: ${options.results.length} result(s), ${options.chain.steps.length} step(s)`,
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.job, value: options.chain.name }],
  });
}

/** The Temporal UI page of a run. */
export function runUrl(uiUrl: string | undefined, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!uiUrl) return undefined;
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}${runId ? `/${runId}` : ''}/history`;
}

function reportSteps(steps: Record<string, StepRecord>): RunReport['steps'] {
  const out: RunReport['steps'] = {};
  for (const [id, s] of Object.entries(steps)) {
    out[id] = { status: s.status, ...(s.mode === 'each' ? { outputs: s.outputs ?? [] } : { output: s.output ?? null }), ...(s.error ? { error: s.error } : {}) };
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
export async function readRun(handle: WorkflowHandle, wait: boolean): Promise<RunReport> {
  if (wait) {
    try {
      const outcome = (await handle.result()) as RunOutcome;
      return { runId: handle.workflowId, status: 'completed', steps: reportSteps(outcome.steps) };
    } catch (err) {
      return failedReport(handle.workflowId, err);
    }
  }
  const description = await handle.describe();
  const status = STATES[description.status.name] ?? 'running';
  if (status === 'running') {
    const snapshot = await handle.query<RunStatus>('status').catch(() => undefined);
    return { runId: handle.workflowId, status, steps: snapshot ? reportSteps(snapshot.steps) : {} };
  }
  return readRun(handle, true);
}

function failedReport(runId: string, err: unknown): RunReport {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as RunOutcome | undefined) : undefined;
    const state: RunState = cause?.name === 'CancelledFailure' ? 'cancelled' : cause?.name === 'TimeoutFailure' ? 'timed_out' : cause?.name === 'TerminatedFailure' ? 'cancelled' : 'failed';
    return { runId, status: state, error: cause?.message ?? err.message, steps: details?.steps ? reportSteps(details.steps) : {} };
  }
  throw err;
}
