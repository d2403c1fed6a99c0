// Firing an event: starts every active job of the jobs directory subscribed to it, once per event and job.
import crypto from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { ProblemsError, disabledRuleMessage, eventResult, eventSchema, formatPath, insightView, ruleWorkflowId, type EventInput, type FireReport, type RiposteEvent, type RuleState, type Trigger } from '../dsl';
import type { Store } from '../store/store';
import type { Config } from '../config/config';
import { latestRunId, queryWatcher, runUrl, startRun } from './client';
import { loadJobs, type JobCatalog } from '../config/jobs';

/** An event that does not validate (a malformed Insight, a sensor without id...). */
export class EventValidationError extends ProblemsError {
  /** Each line is one problem, as the CLI prints it and the intake API answers it. */
  constructor(lines: string | string[]) {
    super((typeof lines === 'string' ? [lines] : lines).map((message) => ({ path: '', message })), { type: 'EventValidationError' });
  }
}

/**
 * The job named for an event (an on-demand action picked for one job) does not subscribe to it:
 * nothing would start, so the caller is told rather than answered with an empty report.
 */
export class JobNotSubscribedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobNotSubscribedError';
  }
}

/** Throws {@link JobNotSubscribedError} unless the job of the catalogue subscribes to the event type. */
export function assertSubscribed(catalog: JobCatalog, job: string, type: RiposteEvent['type']): void {
  const on = catalog.jobs.get(job)?.chain.on ?? [];
  if (on.includes(type)) return;
  throw new JobNotSubscribedError(
    `job "${job}" does not subscribe to ${type} (its "on": ${on.length ? on.join(', ') : 'none'}), so nothing was started; add "${type}" to its "on" to offer it${type === 'insight.on_demand' ? ' on demand' : ''}`,
  );
}

/** Options for {@link fireEvent}. */
export interface FireOptions {
  /** The task queue runs start on (default: the configured one). */
  taskQueue?: string;
  /** Base URL of the Temporal UI, for the runs' links. */
  uiUrl?: string;
  /** Only this job (an on-demand action picked from the Insight's menu). */
  job?: string;
  /** The jobs, when already loaded; otherwise read from `config.jobsDir`. */
  jobs?: JobCatalog;
  /** Where an Insight too large for one payload is kept as the run's results. */
  store?: Store;
}

/**
 * Validates an event as the CLI or the intake API received it; the message names each bad field.
 * An Insight may be bare or in the Cloud SIEM API's `{ data, errors }` envelope, and is kept as sent.
 */
export function parseEvent(input: unknown): RiposteEvent {
  const parsed = eventSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new EventValidationError(parsed.error.issues.map((i) => `${formatPath(i.path) || '(event)'}: ${describeIssue(i.message)}`));
}

/** zod says "expected string, received undefined" for a missing field; say it is missing. */
function describeIssue(message: string): string {
  const missing = /^Invalid input: expected (\w+), received undefined$/.exec(message);
  return missing ? `missing; give ${missing[1] === 'object' ? 'an' : 'a'} ${missing[1]}` : message;
}

/**
 * The id that makes an event's starts idempotent. An Insight's create and close events are one each
 * per Insight; an on-demand request is a new event each time unless the caller names it; sensor and
 * rule events are identified by when the outage or the disabling happened.
 */
export function eventId(event: RiposteEvent): string {
  if (event.id) return event.id;
  switch (event.type) {
    case 'insight.created':
    case 'insight.closed':
      return event.insight.id;
    case 'insight.on_demand':
      return crypto.randomUUID();
    case 'sensor.offline':
      return `${event.sensor.id}@${event.sensor.offlineAt ?? new Date().toISOString()}`;
    case 'rule.disabled':
      return `${event.rule.id}@${event.rule.disabledAt ?? new Date().toISOString()}`;
  }
}

/** The run id (workflow id) of one job started by one event. */
export function eventRunId(type: string, id: string, job: string): string {
  return `event/${type}/${id}/${job}`;
}

/** The state of a rule's guard, or undefined when nothing was ever reported for the rule. */
export function readRuleState(client: Client, ruleId: string): Promise<RuleState | undefined> {
  return queryWatcher<RuleState>(client, ruleWorkflowId(ruleId), 'ruleStatus');
}

/**
 * Starts every active job subscribed to the event, with the event as `trigger` and the Insight (or
 * sensor, or rule) as the single result row. Firing the same event again starts nothing new: each
 * run's workflow id is derived from the event id and the job name, and a used id is refused.
 * Jobs that name a disabled rule are skipped; a `rule.disabled` event starts only jobs naming no
 * rule or the disabled rule itself.
 */
export async function fireEvent(client: Client, config: Config, input: EventInput | Record<string, unknown>, options: FireOptions = {}): Promise<FireReport> {
  const event = parseEvent(input);
  const id = eventId(event);
  const catalog = options.jobs ?? loadJobs(config);
  const report: FireReport = { event: event.type, eventId: id, runs: [], skipped: [] };
  if (options.job !== undefined && !catalog.jobs.has(options.job)) {
    throw new EventValidationError(`job "${options.job}" is not in ${catalog.dir}; jobs: ${[...catalog.jobs.keys()].join(', ') || 'none'}`);
  }
  if (options.job !== undefined) assertSubscribed(catalog, options.job, event.type);
  // An Insight rides as sent (`trigger.insight`), with the view riposte reads beside it (`trigger.insightView`).
  const trigger: Trigger = { ...(event as Record<string, unknown>), type: event.type, id, ...('insight' in event ? { insightView: insightView(event.insight, { cloudSiemUrl: config.cloudSiem.url }) } : {}) };
  const taskQueue = options.taskQueue ?? config.temporal.taskQueue;
  const ruleStates = new Map<string, RuleState | undefined>();
  for (const [name, { chain }] of catalog.jobs) {
    if (options.job !== undefined && name !== options.job) continue;
    if (!chain.on?.includes(event.type)) continue;
    if (!chain.active) {
      report.skipped.push({ job: name, reason: 'inactive ("active": false)' });
      continue;
    }
    if (chain.rule !== undefined) {
      if (event.type === 'rule.disabled') {
        if (chain.rule !== event.rule.id) continue;
      } else {
        if (!ruleStates.has(chain.rule)) ruleStates.set(chain.rule, await readRuleState(client, chain.rule));
        const state = ruleStates.get(chain.rule);
        if (state && !state.enabled) {
          report.skipped.push({ job: name, reason: disabledRuleMessage(state) });
          continue;
        }
      }
    }
    const runId = eventRunId(event.type, id, name);
    let started = true;
    let executionRunId: string | undefined;
    try {
      executionRunId = (await startRun(client, { chain, results: [eventResult(event)], trigger, taskQueue, globals: config.globals, uiUrl: options.uiUrl, workflowId: runId, workflowIdReusePolicy: 'REJECT_DUPLICATE', ...(options.store ? { store: options.store } : {}) })).firstExecutionRunId;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      started = false;
      if (options.uiUrl) executionRunId = await latestRunId(client, runId);
    }
    const url = executionRunId ? runUrl(options.uiUrl, config.temporal.namespace, runId, executionRunId) : undefined;
    report.runs.push({ job: name, runId, started, ...(url ? { url } : {}) });
  }
  return report;
}

/**
 * The body of `POST /v1/events/insight.*` in the form `{ insight, triggerId?, job? }`. Cloud SIEM
 * posts the Insight itself (bare, or in the API's `{ data, errors }` envelope), so a body without
 * an `insight` field is taken to be the Insight.
 */
export function insightEventBody(body: unknown): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && !('insight' in body) ? { insight: body } : body;
}

/** Reads an event's subject from a JSON file's text: an Insight, a sensor or a rule. */
export function parseJsonObject(text: string, origin: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new EventValidationError(`${origin}: malformed JSON: ${(err as Error).message}`);
  }
  const object = z.record(z.string(), z.unknown()).safeParse(value);
  if (!object.success) throw new EventValidationError(`${origin}: expected a JSON object`);
  return object.data;
}
