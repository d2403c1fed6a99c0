// What the chain interpreter asks of Temporal, as one object: the workflow passes the real calls, the unit tests stubs.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { ActionRequest, ApprovalOutput, BaseContext, Chain, EngineActivities, JobRunOutput, ResultRow, ResultsRef, RunStatus, Step, StepRecord, StepStatus } from '../dsl/model';

/** The identity of the running workflow. */
export interface RunIdentity {
  workflowId: string;
  runId: string;
  namespace: string;
  startTime: Date;
  /** When a Temporal Schedule meant the run to start. */
  scheduledTime?: Date;
  /** The keyword search attributes the run was started with, by name. */
  searchAttributes?: Record<string, unknown>;
}

/** The outcome of a workflow-executed action (job.run, approval.request): its output, or why it failed. */
export type WorkflowActionResult<T> = { output: T } | { error: string };

/** What a job.run execution needs. */
export interface JobRunArgs {
  scope: StepScope;
  step: Step;
  rendered: unknown;
  index: number | null;
  result: ResultRow | undefined;
}

/** What an approval.request execution needs. */
export interface ApprovalArgs {
  scope: StepScope;
  step: Step;
  stepIndex: number;
  rendered: unknown;
  index: number | null;
  context: Record<string, unknown>;
}

/** What a run's steps share: the chain, the tokens, and the root run's identity for idempotency keys. */
export interface StepScope {
  chain: Chain;
  base: BaseContext;
  /** The workflow id of the run (not of a fan-out child), so keys stay the same wherever a result runs. */
  runId: string;
  /** The workflow id idempotency keys derive from when it is not `runId`: a retry keeps the keys of the run it retries. */
  keyBase?: string;
  startedAt: string;
  resultsRef?: ResultsRef;
  /**
   * True when the step's activity renders its templates (every run started since templates left the
   * workflow); false on the path that replays runs started before, which decides `when` here.
   */
  renderInActivity: boolean;
  /**
   * True when the built-in actions on the embedded store (policy `local`) run as local activities:
   * runs started since then; a fan-out child is told by its parent, whose chunks are sized for it.
   */
  storeWritesLocal?: boolean;
  /** The run's RunInput.engine: the jobs it starts and its fan-out children carry it on. */
  engine?: number;
}

/** The calls the interpreter makes: activities, children, patches, status, search attributes and metrics. */
export interface Ports {
  /** Runs one execution of an activity-executed action (as a local activity when `local`); resolves to what the activity returned. */
  action(step: Step, request: ActionRequest, local?: boolean): Promise<unknown>;
  engine: EngineActivities;
  runJob(args: JobRunArgs): Promise<WorkflowActionResult<JobRunOutput>>;
  requestApproval(args: ApprovalArgs): Promise<WorkflowActionResult<ApprovalOutput>>;
  /** Runs a fan-out chunk as a child workflow. */
  runSegment(input: SegmentInput, options: { workflowId: string; summary: string }): Promise<SegmentOutput>;
  patched(id: string): boolean;
  /** True while the workflow replays events its history already holds (workflowInfo().unsafe.isReplaying). */
  replaying(): boolean;
  /** True when `err` is the run's own cancellation reaching a step (see endsCancelled). */
  endsCancelled(err: unknown): boolean;
  identity(): RunIdentity;
  /** Answers the `status` query from now on (with the approvals the run's scope waits for). */
  onStatus(answer: () => RunStatus, scope: StepScope): void;
  upsertSearchAttributes(pairs: SearchAttributeUpdatePair[]): void;
  count(metric: 'riposte_runs' | 'riposte_steps', labels: Record<string, string>): void;
}

/** What a chunk needs: its results (inline or by reference) and the outputs of earlier steps. */
export interface SegmentInput {
  chain: Chain;
  stepIndexes: number[];
  offset: number;
  count: number;
  total: number;
  runId: string;
  /** The run's `keyBase` when it is a retry (see RunResume). */
  keyBase?: string;
  startedAt: string;
  base: Omit<BaseContext, 'results'>;
  /** The first results of the run, for the `results` token. */
  firstResults: ResultRow[];
  rows?: ResultRow[];
  resultsRef?: ResultsRef;
  /** Records of earlier steps; `each` records of large fan-outs carry only `outputsRef`. */
  prior: Record<string, StepRecord>;
  /** The parent runs store writes as local activities, and sized the chunk for it (absent in children started before). */
  storeWritesLocal?: boolean;
  /** The parent's RunInput.engine (absent in children started before it). */
  engine?: number;
}

/** Per step of the segment: counts, the first error, missing tokens, and whether the chunk stopped there. */
export interface SegmentOutput {
  steps: Record<string, { counts: Partial<Record<StepStatus, number>>; errors: string[]; missing: string[] }>;
  stoppedAt?: string;
}

