// Operating runs: list them from Temporal's visibility, show one with its attempts, cancel one, retry one.
import crypto from 'node:crypto';
import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { JOB_NAME_PATTERN, RUN_WORKFLOW, SEARCH_ATTRIBUTES, durationMs, type Chain, type RunInput, type RunOutcome, type RunResume, type RunStatus, type StepRecord, type StepStatus, type Timeframe } from '../dsl';
import type { Store } from '../store/store';
import { handleUrl, readRun, reportSteps, runUrl, startRun, type RunReport, type RunState } from './client';
import { UserError } from '../config/user-error';
import { readRunHistory, type StepAttempts } from './run-history';

/** Run states as `--status` takes them, with the Temporal execution statuses each covers. */
export const RUN_STATES: Record<RunState, readonly string[]> = {
  running: ['Running'],
  completed: ['Completed'],
  failed: ['Failed'],
  cancelled: ['Canceled', 'Terminated'],
  timed_out: ['TimedOut'],
};

const STATE_OF: Record<string, RunState> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'cancelled',
  TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'running',
};

/** One line of `riposte runs list`. */
export interface RunSummary {
  runId: string;
  job?: string;
  status: RunState;
  startedAt: string;
  closedAt?: string;
  trigger?: string;
  incidents?: string[];
  /** The run this one retries (`riposte runs retry`). */
  retryOf?: string;
  url?: string;
}

/** What `riposte runs list` filters on. */
export interface RunFilter {
  job?: string;
  status?: string;
  since?: Date;
  limit: number;
}

/** Runs read from visibility at most, so a list over a busy namespace stays bounded; newest first after sorting. */
const LIST_CAP = 10_000;

/** The visibility query of a filter; every value is checked before it is written into the query. */
export function runsQuery(filter: Omit<RunFilter, 'limit'>): string {
  const clauses = [`WorkflowType = '${RUN_WORKFLOW}'`];
  if (filter.job !== undefined) {
    if (!JOB_NAME_PATTERN.test(filter.job)) throw new UserError(`--job ${JSON.stringify(filter.job)}: not a job name (letters, digits, ".", "_" and "-")`);
    clauses.push(`${SEARCH_ATTRIBUTES.job.name} = '${filter.job}'`);
  }
  if (filter.status !== undefined) {
    const statuses = RUN_STATES[filter.status as RunState];
    if (!Object.prototype.hasOwnProperty.call(RUN_STATES, filter.status)) throw new UserError(`--status ${JSON.stringify(filter.status)}: write one of ${Object.keys(RUN_STATES).join(', ')}`);
    clauses.push(`(${statuses.map((s) => `ExecutionStatus = '${s}'`).join(' OR ')})`);
  }
  if (filter.since) clauses.push(`StartTime >= '${filter.since.toISOString()}'`);
  return clauses.join(' AND ');
}

/** Runs of chains, newest first, from Temporal's visibility store (search attributes set by every run). */
export async function listRuns(client: Client, namespace: string, uiUrl: string | undefined, filter: RunFilter): Promise<RunSummary[]> {
  const rows: RunSummary[] = [];
  for await (const w of client.workflow.list({ query: runsQuery(filter) })) {
    const incidents = w.typedSearchAttributes.get(SEARCH_ATTRIBUTES.incidentIds);
    const retryOf = (w.memo as { retryOf?: unknown } | undefined)?.retryOf;
    const url = runUrl(uiUrl, namespace, w.workflowId, w.runId);
    rows.push({
      runId: w.workflowId,
      job: w.typedSearchAttributes.get(SEARCH_ATTRIBUTES.job),
      status: STATE_OF[w.status.name] ?? 'running',
      startedAt: w.startTime.toISOString(),
      ...(w.closeTime ? { closedAt: w.closeTime.toISOString() } : {}),
      ...(w.typedSearchAttributes.get(SEARCH_ATTRIBUTES.trigger) ? { trigger: w.typedSearchAttributes.get(SEARCH_ATTRIBUTES.trigger) } : {}),
      ...(incidents?.length ? { incidents } : {}),
      ...(typeof retryOf === 'string' ? { retryOf } : {}),
      ...(url ? { url } : {}),
    });
    if (rows.length >= LIST_CAP) break;
  }
  // SQL visibility orders by close time; newest first means by start time.
  rows.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  return rows.slice(0, filter.limit);
}

/**
 * A step of `riposte runs show`: as in `riposte run --json`, with its attempts and last failure. A
 * step that had not ended has the run's state: `running`, or `cancelled` / `timed_out` when the run
 * ended while it ran.
 */
export type ShownStep = Omit<RunReport['steps'][string], 'status'> & { status: StepStatus | 'running' | 'cancelled' | 'timed_out' } & Partial<StepAttempts>;

/** What `riposte runs show` prints. */
export interface RunShowReport extends Omit<RunReport, 'steps'> {
  job?: string;
  startedAt: string;
  closedAt?: string;
  retryOf?: string;
  steps: Record<string, ShownStep>;
}

async function describeRun(client: Client, workflowId: string): Promise<{ handle: WorkflowHandle; description: WorkflowExecutionDescription }> {
  const handle = client.workflow.getHandle(workflowId);
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UserError(`no run "${workflowId}" in this namespace; \`riposte runs list\` shows the runs`);
    throw err;
  }
  if (description.type !== RUN_WORKFLOW) throw new UserError(`"${workflowId}" is not a chain run (its workflow type is ${description.type})`);
  return { handle, description };
}

/** A run with its steps' outcomes and, from its history, each step's attempts and last failure. */
export async function showRun(client: Client, workflowId: string, options: { uiUrl?: string; namespace: string; store?: Store }): Promise<RunShowReport> {
  const { handle, description } = await describeRun(client, workflowId);
  const report = await readRun(handle, { wait: false, store: options.store });
  // A cancelled or timed-out run carries no step records in its outcome; a worker can still answer its status query.
  if ((report.status === 'cancelled' || report.status === 'timed_out') && Object.keys(report.steps).length === 0) {
    const records = await endedRecords(client, handle);
    if (records) report.steps = await reportSteps(records, options.store);
  }
  const history = await readRunHistory(client, workflowId);
  const unended: ShownStep['status'] = report.status === 'completed' ? 'failed' : report.status;
  const chain = history.input?.chain;
  const order = [...(chain?.steps.map((s) => s.id) ?? []), ...Object.keys(report.steps), ...Object.keys(history.steps)];
  const steps: Record<string, ShownStep> = {};
  for (const id of new Set(order)) {
    const outcome = report.steps[id];
    const attempts = history.steps[id];
    if (!outcome && !attempts) continue;
    steps[id] = { ...(outcome ?? { status: unended }), ...(attempts ?? { executions: 0, attempts: 0 }) };
  }
  const retryOf = (description.memo as { retryOf?: unknown } | undefined)?.retryOf;
  const url = await handleUrl(client.workflow.getHandle(workflowId, description.runId), options.uiUrl, options.namespace);
  return {
    ...report,
    ...(chain ? { job: chain.name } : {}),
    startedAt: description.startTime.toISOString(),
    ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
    ...(typeof retryOf === 'string' ? { retryOf } : {}),
    ...(url ? { url } : {}),
    steps,
  };
}

/** Asks a running run to cancel and waits until it has ended; its report then says `cancelled`. */
export async function cancelRun(client: Client, workflowId: string, store?: Store): Promise<RunReport> {
  const { handle, description } = await describeRun(client, workflowId);
  if (description.status.name !== 'RUNNING') throw new UserError(`run ${workflowId} has already ended (${STATE_OF[description.status.name] ?? description.status.name}); only a running run can be cancelled`);
  await handle.cancel();
  return readRun(handle, { wait: true, store });
}

/** The step records of an ended run: its result, its failure's details, or (a cancelled run) its `status` query. */
async function endedRecords(client: Client, handle: WorkflowHandle): Promise<Record<string, StepRecord> | undefined> {
  try {
    return ((await handle.result()) as RunOutcome).steps;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const details = err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as RunOutcome | undefined) : undefined;
    if (details?.steps) return details.steps;
  }
  // A cancelled or timed-out run carries no details; a worker answers the query by replaying its history.
  try {
    return (await client.withDeadline(Date.now() + 15_000, () => handle.query<RunStatus>('status'))).steps;
  } catch {
    return undefined;
  }
}

/** Set by Temporal Schedules on the runs they start. */
const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The window the earlier run searched or showed as `job.timeframe`, so the retry sees the same one. */
function earlierTimeframe(input: RunInput, description: WorkflowExecutionDescription): Timeframe | undefined {
  if (input.timeframe) return input.timeframe;
  if (!input.chain.timeframe) return undefined;
  const scheduled = description.typedSearchAttributes.get(SCHEDULED_START);
  const end = scheduled instanceof Date ? scheduled : description.startTime;
  return { from: new Date(end.getTime() - durationMs(input.chain.timeframe)).toISOString(), to: end.toISOString() };
}

/** Where a retry starts: `--from STEP`, else the first failed step, else the first step that did not end. */
export function restartStep(chain: Chain, records: Record<string, StepRecord>, from: string | undefined, runId: string): string {
  const ids = chain.steps.map((s) => s.id);
  if (from !== undefined) {
    const at = ids.indexOf(from);
    if (at < 0) throw new UserError(`--from ${from}: chain "${chain.name}" has no such step; its steps: ${ids.join(', ')}`);
    const missing = ids.slice(0, at).find((id) => !records[id]);
    if (missing) throw new UserError(`--from ${from}: step "${missing}" before it did not run in ${runId}, so there is nothing to carry over; retry from "${missing}" or earlier`);
    return from;
  }
  const failed = ids.find((id) => records[id]?.status === 'failed');
  if (failed) return failed;
  const unfinished = ids.find((id) => !records[id]);
  if (unfinished) return unfinished;
  throw new UserError(`run ${runId}: every step ended and none failed; give --from STEP to run again from a step`);
}

/** What `riposte runs retry` started. */
export interface StartedRetry {
  handle: Awaited<ReturnType<typeof startRun>>;
  fromStep: string;
  /** Steps carried over from the earlier run, not run again. */
  carried: string[];
  chain: Chain;
}

/**
 * Starts a run that retries `workflowId` from its first failed step (or `from`): the same chain,
 * results, params, trigger and time window; the steps before the restart point keep the earlier
 * run's records and do not run; the others run under the earlier run's idempotency keys.
 */
export async function retryRun(client: Client, workflowId: string, options: { from?: string; uiUrl?: string }): Promise<StartedRetry> {
  const { description } = await describeRun(client, workflowId);
  const state = STATE_OF[description.status.name] ?? 'running';
  if (state === 'running') throw new UserError(`run ${workflowId} is still running; wait for it to end, or \`riposte runs cancel ${workflowId}\` first`);
  if (state === 'completed' && options.from === undefined) throw new UserError(`run ${workflowId} completed; nothing failed. Give --from STEP to run it again from a step`);
  const history = await readRunHistory(client, workflowId, description.runId);
  const input = history.input;
  if (!input?.chain?.steps) throw new UserError(`run ${workflowId}: its history holds no chain input to retry`);
  const records = (await endedRecords(client, client.workflow.getHandle(workflowId, description.runId))) ?? {};
  const fromStep = restartStep(input.chain, records, options.from, workflowId);
  const restart = input.chain.steps.findIndex((s) => s.id === fromStep);
  const carriedIds = input.chain.steps.slice(0, restart).map((s) => s.id);
  const carried = Object.fromEntries(carriedIds.map((id) => [id, records[id]]));

  // A search job's results are what its search found then, not what it would find now.
  let results = input.results ?? [];
  let resultsRef = input.resultsRef;
  const searched = Boolean(input.chain.search && !resultsRef && results.length === 0);
  if (searched && history.search) {
    results = history.search.ref ? [] : history.search.rows;
    resultsRef = history.search.ref;
  }
  // When the search itself never completed, no step ran: the retry is the same run again, searching anew.
  const resume: RunResume | undefined =
    searched && !history.search ? undefined : { runId: workflowId, keyBase: input.resume?.keyBase ?? workflowId, fromStep, steps: carried };
  const keyBase = input.resume?.keyBase ?? workflowId;
  const started = await startRun(client, {
    chain: input.chain,
    results,
    ...(resultsRef ? { resultsRef } : {}),
    ...(input.params ? { params: input.params } : {}),
    trigger: input.trigger,
    timeframe: earlierTimeframe(input, description),
    taskQueue: description.taskQueue,
    globals: input.globals,
    uiUrl: options.uiUrl ?? input.uiUrl,
    workflowId: `${keyBase}-retry-${crypto.randomUUID().slice(0, 8)}`,
    ...(resume ? { resume } : {}),
    memo: { retryOf: workflowId, fromStep },
  });
  return { handle: started, fromStep, carried: resume ? carriedIds : [], chain: input.chain };
}
