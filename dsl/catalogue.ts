// The action catalogue: each action's parameter schema and the defaults the engine applies to it.
import type { z } from 'zod';
import { emailSendBeforeRender, emailSendParams, type EmailSendOutput } from './actions/email-send';
import { eventsLogParams, type EventsLogOutput } from './actions/events-log';
import { incidentCreateParams, type IncidentCreateOutput } from './actions/incident-create';
import { mitreTagParams, type MitreTagOutput } from './actions/mitre-tag';
import { eventsIndexParams, mitreRiskParams, riskAssignParams, type DocumentsOutput } from './actions/store-writes';
import { webhookSendParams, type WebhookSendOutput } from './actions/webhook-send';
import { dbInsertBeforeRender, dbInsertParams, type DbInsertOutput } from './actions/db-insert';
import { jobRunParams, type JobRunOutput } from './actions/job-run';
import { approvalRequestParams, type ApprovalOutput } from './actions/approval-request';

export { MAX_JOB_DEPTH, type JobRunOutput } from './actions/job-run';
import { scriptRunBeforeRender, scriptRunParams, type ScriptRunOutput } from './actions/script-run';
import type { LiteralParams } from './segments';
import {
  hipchatNotifyParams, httpPostParams, pagerdutyTriggerParams, recordedFutureEnrichParams, slackPostParams, slackWebhookParams, snsPublishParams, teamsNotifyParams, xsoarIncidentParams,
  type PagerdutyTriggerOutput, type RecordedFutureEnrichOutput, type SlackPostOutput, type SnsPublishOutput, type StatusOutput, type XsoarIncidentOutput,
} from './actions/insight-actions';

/** Retry policy as chains write it. */
export interface RetrySpec {
  maxAttempts?: number;
  initialInterval?: string;
  backoff?: number;
  maxInterval?: string;
}

/** What an action needs to know about the engine and the engine about it. */
export interface ActionSpec<S extends z.ZodType = z.ZodType> {
  summary: string;
  params: S;
  /** Whether the step must, may or must not name a connection, and which connection types fit. */
  connection: 'required' | 'optional' | 'none';
  connectionTypes?: readonly string[];
  /** Which rows the activity receives besides its rendered parameters. */
  rows: 'none' | 'result' | 'results';
  /** The step inherits `incident_id` from an earlier incident.create for the same trigger event. */
  inheritsIncident?: boolean;
  /** The activity receives the run's trigger (the Insight, sensor or rule of an event trigger). */
  receivesTrigger?: boolean;
  /** Parameter paths rendered with HTML escaping (given the raw parameters). */
  htmlFields?: (params: Record<string, unknown>) => string[];
  /**
   * Parameter paths that are URLs or URL paths: tokens in them render percent-encoded (escaping `uri`),
   * so a value can fill a path segment or query value but never change the origin or leave the base path.
   */
  uriFields?: readonly string[];
  /**
   * Parameter fields left unrendered by the workflow, with the extra token roots their templates
   * see: the activity renders them with values that must never enter history (approval links).
   */
  deferredFields?: Readonly<Record<string, readonly string[]>>;
  /**
   * Reads the step's literal parameters before anything is rendered (at validation and before each
   * execution): where structure must come from the chain text and never from a rendered value
   * (argv word boundaries, recipient lists, a table or user chosen by a token), it splits or marks
   * the literal text here and reports what the chain may not do.
   */
  beforeRender?: (params: Record<string, unknown>) => LiteralParams;
  /** With `merge: true` in `once` mode, these fields are rendered for every result and joined into one message. */
  mergeFields?: readonly string[];
  timeout: string;
  /**
   * For long-running activities that heartbeat: the step fails over to a retry when no heartbeat
   * arrives within this time, and heartbeats are how a cancellation reaches the activity.
   */
  heartbeatTimeout?: string;
  retry: Required<RetrySpec>;
  /** Output fields, for documentation and `steps.<id>.<field>` checks. */
  output: readonly string[];
  /**
   * What `mode: "once"` (Smart Monitor's "Run Once") means for this action: Smart Monitor's own sentence for
   * it (none where its documentation has no such switch) and the reading riposte implements.
   */
  onceReading: { seed?: string; reading: string };
}

/** The Cloud SIEM actions have no Run Once switch: an Insight event's run has the Insight as its one result. */
const perInsight = { reading: 'once per Insight: a run started by an Insight event has the Insight as its one result' } as const;
const firstResult = 'if enabled, this Action will be performed only for the first search result, otherwise - for each query result';

const storeRetry = { maxAttempts: 10, initialInterval: '1s', backoff: 2, maxInterval: '30s' } as const;
const peerRetry = { maxAttempts: 8, initialInterval: '2s', backoff: 2, maxInterval: '1m' } as const;

/** Every action riposte runs, by its contract name. */
export const CATALOGUE = {
  'incident.create': {
    summary: 'Creates an incident in the store (idempotent per run, step and result)',
    params: incidentCreateParams,
    connection: 'none',
    rows: 'result',
    timeout: '30s',
    retry: storeRetry,
    output: ['incident_id', 'created', 'index'],
    onceReading: { seed: 'Run Once – creates a single incident even if the search returns multiple results', reading: 'one incident for the whole result set; `result`, `resultFields` and the inventory fields read the first result, `results` holds them all' },
  },
  'mitre.tag': {
    summary: 'Tags the result with MITRE ATT&CK techniques in the mitre index, carrying the incident_id',
    params: mitreTagParams,
    connection: 'none',
    rows: 'result',
    inheritsIncident: true,
    timeout: '30s',
    retry: storeRetry,
    output: ['index', 'ids', 'incident_id'],
    onceReading: { seed: firstResult, reading: 'tags the first result: one document per technique' },
  },
  'events.log': {
    summary: 'Appends the results as JSON lines to job_scheduler.log',
    params: eventsLogParams,
    connection: 'none',
    rows: 'results',
    timeout: '30s',
    retry: storeRetry,
    output: ['file', 'lines'],
    onceReading: { reading: 'appends every result, one line each (the seed has no Run Once switch for event logging: it writes the results of the search)' },
  },
  'webhook.send': {
    summary: 'Sends an HTTP request built from protocol, host, port, method, path, query, auth, headers and body',
    params: webhookSendParams,
    connection: 'optional',
    connectionTypes: ['http'],
    rows: 'none',
    uriFields: ['path'],
    timeout: '30s',
    retry: peerRetry,
    output: ['status', 'body'],
    onceReading: { seed: firstResult, reading: 'one request, rendered with the first result as `result` (`results` still holds every result, e.g. for a body `{{json results}}`)' },
  },
  'events.index': {
    summary: 'Writes the result to an index; with update, merges its fields into one document instead of adding new ones',
    params: eventsIndexParams,
    connection: 'none',
    rows: 'result',
    timeout: '30s',
    retry: storeRetry,
    output: ['index', 'ids'],
    onceReading: { seed: firstResult, reading: 'indexes the first result (with `update`, merges it into the one document)' },
  },
  'mitre.risk': {
    summary: 'Records a MITRE ATT&CK risk score for the system and/or user of the result in the risk index',
    params: mitreRiskParams,
    connection: 'none',
    rows: 'result',
    timeout: '30s',
    retry: storeRetry,
    output: ['index', 'ids'],
    onceReading: { seed: firstResult, reading: 'scores the first result' },
  },
  'risk.assign': {
    summary: 'Records a risk score with result fields and a scoring type in an index',
    params: riskAssignParams,
    connection: 'none',
    rows: 'result',
    timeout: '30s',
    retry: storeRetry,
    output: ['index', 'ids'],
    onceReading: { reading: 'records one score, its fields rendered with the first result (the seed gives Risk Score Assignment no Run Once switch)' },
  },
  'email.send': {
    summary: 'Sends an e-mail through an SMTP connection: recipients, subject, body, signature, time, results table, CSV attachment, headers',
    params: emailSendParams,
    connection: 'required',
    connectionTypes: ['smtp'],
    rows: 'results',
    receivesTrigger: true,
    beforeRender: emailSendBeforeRender,
    htmlFields: (params) => (params.html === true ? ['body', 'signature'] : []),
    mergeFields: ['body'],
    timeout: '1m',
    retry: peerRetry,
    output: ['messageId', 'accepted', 'rejected', 'alreadySent'],
    onceReading: { seed: 'runs the active action for all query results collectively; when this parameter is disabled, the active action will be applied to each individual query result', reading: 'one message for all results: the table and the CSV hold every result, and `merge` renders the body once per result into it' },
  },
  'db.insert': {
    summary: 'Writes results to a table through a database connection (PostgreSQL, MySQL/MariaDB, SQLite) as one of its users',
    params: dbInsertParams,
    beforeRender: dbInsertBeforeRender,
    connection: 'required',
    connectionTypes: ['database'],
    rows: 'results',
    timeout: '1m',
    retry: peerRetry,
    output: ['table', 'rowCount', 'alreadyWritten'],
    onceReading: { seed: firstResult, reading: 'writes the first result (`allResults: true` writes every result)' },
  },
  'job.run': {
    summary: 'Starts another job of the jobs directory as a child run, waiting for its outcome or not',
    params: jobRunParams,
    connection: 'none',
    rows: 'result',
    // The job's own steps carry their retries; the timeout bounds a waited-for run.
    timeout: '1h',
    retry: { maxAttempts: 1, initialInterval: '1s', backoff: 2, maxInterval: '1m' },
    output: ['runId', 'status', 'steps'],
    onceReading: { seed: firstResult, reading: 'starts the job once; with `passResults` it is handed the first result (`allResults: true` hands it every result)' },
  },
  'approval.request': {
    summary: 'Waits until a person approves or rejects (a link in the notifications it sends, `riposte approvals`, the API) or the timeout decides',
    params: approvalRequestParams,
    connection: 'none',
    rows: 'none',
    deferredFields: { channels: ['approval'] },
    // Bounds the activity that sends the notifications; the wait itself is a durable timer (with.timeout).
    timeout: '1m',
    retry: peerRetry,
    output: ['decision', 'by', 'at', 'comment', 'via', 'verified'],
    onceReading: { reading: 'one decision for the whole result set; the message and the channels render with the first result as `result` (`mode: "each"` asks once per result)' },
  },
  'script.run': {
    summary: 'Runs a registered or inline script with an interpreter, or a command, in a sandbox; arguments as argv in the order given',
    params: scriptRunParams,
    beforeRender: scriptRunBeforeRender,
    connection: 'none',
    rows: 'result',
    // Outlives the script's own with.timeout (30s by default), so the sandbox reports the timeout itself.
    timeout: '5m',
    retry: { maxAttempts: 3, initialInterval: '2s', backoff: 2, maxInterval: '30s' },
    // The activity heartbeats every 2s while the script runs; the worker passes heartbeats on at
    // most every 80% of this, so a cancellation reaches the script within about 6s.
    heartbeatTimeout: '8s',
    output: ['exitCode', 'stdout', 'stderr', 'truncated', 'sandboxed', 'host'],
    onceReading: { seed: 'when enabled, the active action is executed once for the entire query result. When disabled, the action will be applied separately to each query result', reading: 'runs the script once; `property` arguments and `result` tokens read the first result, `{{json results}}` passes every result' },
  },
  'sns.publish': {
    summary: "Publishes the Insight JSON to an SNS topic, SigV4-signed with an aws connection's keys or an assumed role",
    params: snsPublishParams,
    connection: 'required',
    connectionTypes: ['aws'],
    rows: 'none',
    receivesTrigger: true,
    timeout: '30s',
    retry: peerRetry,
    output: ['messageId'],
    onceReading: perInsight,
  },
  'xsoar.incident': {
    summary: 'Creates a Cortex XSOAR (Demisto) incident from the Insight JSON via /incident/json, with API key, client certificate and extra headers',
    params: xsoarIncidentParams,
    connection: 'required',
    connectionTypes: ['apikey'],
    rows: 'none',
    receivesTrigger: true,
    timeout: '30s',
    retry: peerRetry,
    output: ['incidentId'],
    onceReading: perInsight,
  },
  'http.post': {
    summary: 'POSTs the Insight JSON, optionally with its Signals and Records (or selected Record fields), to an allowed port',
    params: httpPostParams,
    connection: 'optional',
    connectionTypes: ['http'],
    rows: 'none',
    uriFields: ['url'],
    receivesTrigger: true,
    timeout: '30s',
    retry: peerRetry,
    output: ['status'],
    onceReading: perInsight,
  },
  'hipchat.notify': {
    summary: 'Sends the Insight summary to a HipChat room (API v2 room notification)',
    params: hipchatNotifyParams,
    connection: 'required',
    connectionTypes: ['apikey'],
    rows: 'none',
    receivesTrigger: true,
    timeout: '30s',
    retry: peerRetry,
    output: ['status'],
    onceReading: perInsight,
  },
  'teams.notify': {
    summary: 'Sends the Insight summary to a Microsoft Teams Workflows or incoming webhook as an Adaptive Card (or a MessageCard)',
    params: teamsNotifyParams,
    connection: 'required',
    connectionTypes: ['http'],
    rows: 'none',
    receivesTrigger: true,
    timeout: '30s',
    retry: peerRetry,
    output: ['status'],
    onceReading: perInsight,
  },
  'pagerduty.trigger': {
    summary: 'Triggers a PagerDuty alert (Events API v2) with the Insight summary; the Insight id is the dedup key',
    params: pagerdutyTriggerParams,
    connection: 'required',
    connectionTypes: ['apikey'],
    rows: 'none',
    receivesTrigger: true,
    timeout: '30s',
    retry: peerRetry,
    output: ['dedupKey', 'status'],
    onceReading: perInsight,
  },
  'slack.post': {
    summary: 'Posts the Insight summary to a Slack channel with the Web API (chat.postMessage)',
    params: slackPostParams,
    connection: 'required',
    connectionTypes: ['apikey'],
    rows: 'none',
    receivesTrigger: true,
    timeout: '30s',
    retry: peerRetry,
    output: ['ts', 'channel'],
    onceReading: perInsight,
  },
  'slack.webhook': {
    summary: 'Posts the Insight JSON to a Slack incoming webhook',
    params: slackWebhookParams,
    connection: 'required',
    connectionTypes: ['http'],
    rows: 'none',
    receivesTrigger: true,
    timeout: '30s',
    retry: peerRetry,
    output: ['status'],
    onceReading: perInsight,
  },
  'recordedfuture.enrich': {
    summary: 'Looks up the IPs, domains and hashes of the Records in Recorded Future and attaches the answers to the Insight and/or its Signals',
    params: recordedFutureEnrichParams,
    connection: 'required',
    connectionTypes: ['apikey'],
    rows: 'none',
    receivesTrigger: true,
    timeout: '2m',
    retry: peerRetry,
    output: ['enrichments', 'lookups', 'cacheHits', 'skipped'],
    onceReading: perInsight,
  },
} as const satisfies Record<string, ActionSpec>;

/** A name from the catalogue. */
export type ActionName = keyof typeof CATALOGUE;

/** Actions the workflow itself carries out (a child workflow, a durable wait), with no activity of their own name. */
export type WorkflowActionName = 'job.run' | 'approval.request';

/** Actions carried out by an activity of the same name. */
export type ActivityActionName = Exclude<ActionName, WorkflowActionName>;

/** The parameters of an action, after rendering and defaults. */
export type ActionParams<A extends ActionName> = z.output<(typeof CATALOGUE)[A]['params']>;

/** Each action's output. */
export interface ActionOutputs {
  'incident.create': IncidentCreateOutput;
  'mitre.tag': MitreTagOutput;
  'events.log': EventsLogOutput;
  'webhook.send': WebhookSendOutput;
  'email.send': EmailSendOutput;
  'events.index': DocumentsOutput;
  'mitre.risk': DocumentsOutput;
  'risk.assign': DocumentsOutput;
  'db.insert': DbInsertOutput;
  'job.run': JobRunOutput;
  'approval.request': ApprovalOutput;
  'script.run': ScriptRunOutput;
  'sns.publish': SnsPublishOutput;
  'xsoar.incident': XsoarIncidentOutput;
  'http.post': StatusOutput;
  'hipchat.notify': StatusOutput;
  'teams.notify': StatusOutput;
  'pagerduty.trigger': PagerdutyTriggerOutput;
  'slack.post': SlackPostOutput;
  'slack.webhook': StatusOutput;
  'recordedfuture.enrich': RecordedFutureEnrichOutput;
}

/** Names in the contract whose connectors are not part of this version yet. */
export const PLANNED_ACTIONS = [
] as const;

/** The catalogue's action names. */
export const ACTION_NAMES = Object.keys(CATALOGUE) as ActionName[];

/** True when `name` is an action this version runs. */
export function isActionName(name: string): name is ActionName {
  return Object.prototype.hasOwnProperty.call(CATALOGUE, name);
}

/** The spec of an action. */
export function actionSpec(name: ActionName): ActionSpec {
  return CATALOGUE[name];
}
