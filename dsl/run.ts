// The shapes that cross the client/workflow/activity boundaries of a run.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ActionName, ActionOutputs, ActionParams, ActivityActionName } from './catalogue';
import type { Chain } from './chain';

/** One result row handed to a run. */
export type ResultRow = Record<string, unknown>;

/** What started a run. */
export interface Trigger {
  type: 'manual' | 'schedule' | 'job' | 'api' | 'hook' | 'insight.created' | 'insight.closed' | 'insight.on_demand' | 'sensor.offline' | 'rule.disabled';
  /** A caller-chosen id that makes starts idempotent. */
  id?: string;
  [key: string]: unknown;
}

/** The window a job searched. */
export interface Timeframe {
  from: string;
  to: string;
}

/** The workflow input: the chain itself travels with the run, so history shows which version ran. */
export interface RunInput {
  chain: Chain;
  /** The results inline; empty when they ride by reference in `resultsRef`. */
  results: ResultRow[];
  resultsRef?: ResultsRef;
  params?: Record<string, unknown>;
  trigger: Trigger;
  timeframe?: Timeframe;
  globals?: Record<string, unknown>;
  /** Base URL of the Temporal UI, for `run.url`. */
  uiUrl?: string;
  /** Set on a retry (`riposte runs retry`): what the run carries over from the run it retries. */
  resume?: RunResume;
  /**
   * The engine generation of the client that started the run ({@link ENGINE}); absent in runs
   * started before it existed. A run that carries it records no patch marker: it runs the way every
   * patch of the interpreter describes, and its start carried the start search attributes
   * (startSearchAttributes). See BENCHMARKS.md, "Design: the engine generation in the input".
   */
  engine?: number;
}

/**
 * The engine generation a client writes into RunInput.engine: 4, after templates in the activity
 * (2) and store writes as local activities (3), each of which a run started without `engine` still
 * asks with patched(). Workers must be upgraded before the clients that start runs (the intake
 * API, `riposte dev`, schedule sync): a worker that does not read the field patches as before.
 */
export const ENGINE = 4;

/**
 * What a retry carries over from the run it retries. The steps before `fromStep` are not run
 * again: their records are the earlier run's. The steps from `fromStep` on run under the earlier
 * run's idempotency keys (`keyBase`), so an execution that already took effect there (an incident,
 * a delivered e-mail, a held throttle claim) finds its own record instead of acting a second time.
 */
export interface RunResume {
  /** The workflow id of the run retried. */
  runId: string;
  /** The workflow id the idempotency keys derive from: the first run of a line of retries. */
  keyBase: string;
  /** The first step that runs again. */
  fromStep: string;
  /** The earlier run's records of the steps before `fromStep`. */
  steps: Record<string, StepRecord>;
}

/** A result set kept in the store because it is too large for one payload. */
export interface ResultsRef {
  id: string;
  count: number;
}

/** Results whose serialized size passes this bound ride by reference (Temporal's payload limit is 2 MiB). */
export const INLINE_RESULTS_LIMIT = 512 * 1024;

/** Step outcome as the CLI contract names it. */
export type StepStatus = 'completed' | 'failed' | 'skipped' | 'throttled';

/** The record of one step in a run. */
export interface StepRecord {
  status: StepStatus;
  action: string;
  mode: 'once' | 'each';
  output?: unknown;
  outputs?: unknown[];
  /** Per-result status in `each` mode. */
  statuses?: StepStatus[];
  error?: string;
  /** Tokens that named fields the data lacked (rendered empty). */
  missingTokens?: string[];
  /** For large fan-outs: the per-result outputs are in the store, not in history. */
  outputsRef?: { runId: string; stepId: string; count: number };
  /** Per-status counts of an `each` step. */
  counts?: Partial<Record<StepStatus, number>>;
}

/** What a run returns (and what a failed run carries in its failure details). */
export interface RunOutcome {
  steps: Record<string, StepRecord>;
  /** Set when the job's search found nothing and the chain did not run (the job does not say `runOnEmpty`). */
  noResults?: true;
  /** Set when a scheduled run did not run its chain because the job's rule is disabled: the reason. */
  skipped?: string;
}

/** The `status` query's answer: where the run is and what it has produced so far. */
export interface RunStatus {
  currentStep: string | null;
  progress?: { done: number; total: number };
  steps: Record<string, StepRecord>;
  /** The approvals the run waits for now (approval.request steps). */
  approvals?: import('./actions/approval-request').PendingApproval[];
}

/** The request an action's activity receives. Secrets are never in it: connections are named, not given. */
export interface ActionRequest<A extends ActionName = ActionName> {
  action: A;
  stepId: string;
  /** Position of the step in the chain, for the paths of parameter problems (`steps[2].with.to`). */
  stepIndex?: number;
  /** Rendered parameters; the activity checks them against the action's schema and applies defaults. */
  params: ActionParams<A>;
  /**
   * The `with` paths whose chain text is literally a secret reference: the only values the activity
   * resolves as secrets. Anything else, whatever it reads, is data.
   */
  secretPaths?: (string | number)[][];
  /** "Merge" fields for the activity to render once per result, over every result (see dsl/prepare.ts). */
  merge?: import('./prepare').MergeRequest;
  connection?: string;
  /** Derived from workflow id, step id and result index; peers deduplicate on it. */
  idempotencyKey: string;
  /** Result index in `each` mode, null in `once` mode. */
  index: number | null;
  result?: ResultRow;
  results?: ResultRow[];
  /** Instead of `results`, when they ride by reference. */
  resultsRef?: ResultsRef;
  job: { name: string; timeframe?: Timeframe };
  /** `url` is the run's page in the Temporal UI, when the worker knows the UI's address. */
  run: { id: string; startedAt: string; url?: string };
  incidentId?: string;
  /** The run's trigger, for actions whose spec sets `receivesTrigger` (e.g. the Insight of an Insight event). */
  trigger?: Trigger;
  /**
   * The step's templates, when the activity renders them (every run but those started before
   * templates left the workflow): `params` and `secretPaths` are then filled in by the activity.
   */
  templates?: StepTemplates;
}

/**
 * What the activity that executes a step needs to render it: the step as the chain wrote it and the
 * tokens its templates read. Only the token roots the templates name travel; a result set kept by
 * reference travels as `resultsRef` (the activity reads its first page), so history does not grow
 * with the context.
 */
export interface StepTemplates {
  /** The step's `when`, `with` and `throttle` as written (see Step). */
  step: Pick<import('./chain').Step, 'id' | 'action' | 'mode' | 'when' | 'with' | 'throttle'>;
  strict: boolean;
  /** The chain's name: throttle claims are per chain, step and key. */
  chain: string;
  /** The tokens the templates read, by root (result, index, steps, params, globals, job, run, trigger, results). */
  context: Record<string, unknown>;
  /** `results` by reference: `count` results, of which the activity loads the first page. */
  results?: ResultsRef;
  /**
   * False on the path of runs started before templates left the workflow: the workflow decided the
   * step's `when` and throttle, so the activity renders the parameters only.
   */
  decide: boolean;
}

/** What the activity that executes a step returns: the action's output, or why it did not act. */
export interface StepResult {
  kind: 'step';
  status: 'completed' | 'skipped' | 'throttled';
  /** The action's output (completed), or the throttle's `{ throttledUntil, key }` (throttled). */
  output?: unknown;
  /** The rendered parameters the step sent, secrets masked: what the Temporal UI shows of the step. */
  sent?: unknown;
  /** Tokens that named fields the data lacked (rendered empty). */
  missing: string[];
}

/** A workflow-executed step (job.run, approval.request) rendered by the engine's `renderStep` activity. */
export interface RenderedStep {
  status: 'ready' | 'skipped' | 'throttled';
  params?: unknown;
  output?: unknown;
  missing: string[];
}

/** True for what a step's activity returns when it rendered the step itself (not a bare output recorded before). */
export function isStepResult(value: unknown): value is StepResult {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'step' && typeof (value as { status?: unknown }).status === 'string' && Array.isArray((value as { missing?: unknown }).missing);
}

/** The activities the workflow calls, one per action, registered under the action's name. */
export type ActionActivities = {
  [A in ActivityActionName]: (request: ActionRequest<A>) => Promise<ActionOutputs[A]>;
};

/** Search attributes riposte sets on every run, for filtering in the Temporal UI. */
export const SEARCH_ATTRIBUTES = {
  job: defineSearchAttributeKey('RiposteJob', SearchAttributeType.KEYWORD),
  chain: defineSearchAttributeKey('RiposteChain', SearchAttributeType.KEYWORD),
  severity: defineSearchAttributeKey('RiposteSeverity', SearchAttributeType.KEYWORD),
  incidentIds: defineSearchAttributeKey('RiposteIncidentIds', SearchAttributeType.KEYWORD_LIST),
  trigger: defineSearchAttributeKey('RiposteTrigger', SearchAttributeType.KEYWORD),
} as const;

/** A short, stable fingerprint of the chain that ran, to tell chain versions apart in the UI. */
export function chainVersion(chain: unknown): string {
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

/**
 * The search attributes a run's start request carries (job, chain version, trigger type), so the
 * run need not upsert them; a run started without them (by an older client) upserts them itself.
 */
export function startSearchAttributes(chain: { name: string }, trigger: string) {
  return [
    { key: SEARCH_ATTRIBUTES.job, value: chain.name },
    { key: SEARCH_ATTRIBUTES.chain, value: chainVersion(chain) },
    { key: SEARCH_ATTRIBUTES.trigger, value: trigger },
  ];
}

/** The workflow type name of a chain run. */
export const RUN_WORKFLOW = 'runChain';
/** The default task queue. */
export const DEFAULT_TASK_QUEUE = 'riposte';

/** The task queue of a script executor host: a step with `host` runs its activity there. */
export function hostTaskQueue(host: string): string {
  return `riposte-host-${host}`;
}

/** A request to pass the response limiter: one holder per key per window. */
export interface ThrottleRequest {
  key: string;
  windowMs: number;
  /** Identifies this execution, so a retried activity finds its own claim. */
  holder: string;
}

/** Activities the engine itself calls, besides the actions. */
export interface EngineActivities {
  acquireThrottle(request: ThrottleRequest): Promise<{ acquired: boolean; until: string }>;
  /** Reads up to `limit` results from `offset`, stopping early past about 1 MiB. */
  loadResults(request: { ref: ResultsRef; offset: number; limit: number }): Promise<ResultRow[]>;
  /** Keeps an `each` step's outputs for results `offset`.. in the store. */
  saveStepOutputs(request: { runId: string; stepId: string; offset: number; outputs: unknown[] }): Promise<void>;
  /** Reads kept outputs back. */
  loadStepOutputs(request: { runId: string; stepId: string; offset: number; limit: number }): Promise<unknown[]>;
  /** Finds a job of the jobs directory by name, validated, for job.run. */
  loadJob(request: { name: string; origin: string }): Promise<{ chain: Chain }>;
  /** Runs a job's search over its time window; large result sets come back by reference. */
  runSearch(request: SearchRequest): Promise<SearchOutcome>;
  /** Why the rule's jobs must not start now (the rule guard has it disabled), or null when they may. */
  disabledRule(request: { rule: string }): Promise<string | null>;
  /** Renders a step the workflow executes itself (job.run, approval.request): `when`, throttle and parameters. */
  renderStep(request: ActionRequest): Promise<RenderedStep>;
}

/** A job's search, run at the start of a run that was given no results. */
export interface SearchRequest {
  job: string;
  /** Where a large result set is kept (the run's workflow id). */
  runId: string;
  search: NonNullable<Chain['search']>;
  timeframe?: Timeframe;
}

/** What a search found: the rows inline, or a reference when they are too large for a payload. */
export interface SearchOutcome {
  count: number;
  rows: ResultRow[];
  ref?: ResultsRef;
}
