// Reads a run's Temporal history: its input, each step's activity attempts and last failure, its search outcome.
import type { Client } from '@temporalio/client';
import type { ProtoFailure } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { decodeFromPayloadsAtIndex, decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { isActionName, type ActionRequest, type RunInput, type SearchOutcome } from '../dsl';

/** How a step's activities went: executions scheduled, attempts made across them, and the last failure. */
export interface StepAttempts {
  /** Activity executions scheduled for the step (one per result in `each` mode). */
  executions: number;
  /** Attempts across them: 1 per execution that succeeded at once, more for each retry. */
  attempts: number;
  /** The most recent failure message of any attempt, retried or final. */
  lastFailure?: string;
  /** Executions still running or waiting for their next attempt. */
  pending?: number;
}

/** What the history of a run tells besides its outcome. */
export interface RunHistory {
  /** The workflow input: the chain, results, params and trigger the run was started with. */
  input?: RunInput;
  steps: Record<string, StepAttempts>;
  /** The job search's outcome, when the run searched for its results and the search completed. */
  search?: SearchOutcome;
}

type Event = NonNullable<History['events']>[number];

interface Scheduled {
  activityId: string;
  type: string;
  stepId?: string;
}

/**
 * What sdk-core keeps in a local activity's marker besides its result: its `LocalActivityMarkerData`
 * (protos/local/temporal/sdk/core/external_data/external_data.proto), written as JSON in the
 * marker's `data` details; the fields read here.
 */
interface LocalActivityMarker {
  attempt?: number;
  activity_type?: string;
  /** Set when the activity failed and waits for a retry on a timer; the retry records a marker of its own. */
  backoff?: unknown;
}

/** The marker sdk-core records for a local activity (its LOCAL_ACTIVITY_MARKER_NAME); the built-in actions on the embedded store run as one. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** Fan-out children share the run's steps; their attempts count toward them. */
const SEGMENT_WORKFLOW = 'runSegment';

/**
 * Reads the history of `workflowId` (its latest run, or `runId`) and of its fan-out children.
 * Payloads and failures are decoded with the client's data converter, so encrypted runs read the same.
 */
export async function readRunHistory(client: Client, workflowId: string, runId?: string): Promise<RunHistory> {
  const out: RunHistory = { steps: {} };
  await readInto(client, workflowId, runId, out, true);
  return out;
}

function stepOf(out: RunHistory, stepId: string): StepAttempts {
  return (out.steps[stepId] ??= { executions: 0, attempts: 0 });
}

async function readInto(client: Client, workflowId: string, runId: string | undefined, out: RunHistory, root: boolean): Promise<void> {
  const converter = client.options.loadedDataConverter;
  const handle = client.workflow.getHandle(workflowId, runId);
  const history = await handle.fetchHistory();
  const scheduled = new Map<string, Scheduled>();
  const byActivityId = new Map<string, Scheduled>();
  const children: string[] = [];
  const failure = async (f: ProtoFailure | null | undefined) => (await decodeOptionalFailureToOptionalError(converter, f))?.message;
  const open = new Set<string>();
  for (const event of (history.events ?? []) as Event[]) {
    const id = String(event.eventId);
    if (root && event.workflowExecutionStartedEventAttributes) {
      out.input = await decodeFromPayloadsAtIndex<RunInput>(converter, 0, event.workflowExecutionStartedEventAttributes.input?.payloads);
    } else if (event.activityTaskScheduledEventAttributes) {
      const a = event.activityTaskScheduledEventAttributes;
      const type = a.activityType?.name ?? '';
      const entry: Scheduled = { activityId: a.activityId ?? '', type };
      if (isActionName(type)) {
        const request = await decodeFromPayloadsAtIndex<ActionRequest>(converter, 0, a.input?.payloads);
        entry.stepId = request.stepId;
        stepOf(out, request.stepId).executions++;
      }
      scheduled.set(id, entry);
      byActivityId.set(entry.activityId, entry);
      open.add(id);
    } else if (event.activityTaskStartedEventAttributes) {
      // Temporal writes "started" once per execution, when it ends, with the attempt it ended on.
      const a = event.activityTaskStartedEventAttributes;
      const entry = scheduled.get(String(a.scheduledEventId));
      if (entry?.stepId) {
        const step = stepOf(out, entry.stepId);
        step.attempts += a.attempt ?? 1;
        const last = await failure(a.lastFailure);
        if (last) step.lastFailure = last;
      }
    } else if (event.activityTaskCompletedEventAttributes) {
      const a = event.activityTaskCompletedEventAttributes;
      const key = String(a.scheduledEventId);
      open.delete(key);
      if (scheduled.get(key)?.type === 'runSearch') out.search = await decodeFromPayloadsAtIndex<SearchOutcome>(converter, 0, a.result?.payloads);
    } else if (event.activityTaskFailedEventAttributes || event.activityTaskTimedOutEventAttributes || event.activityTaskCanceledEventAttributes) {
      const a = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes ?? event.activityTaskCanceledEventAttributes!;
      const key = String(a.scheduledEventId);
      open.delete(key);
      const entry = scheduled.get(key);
      const message = 'failure' in a ? await failure(a.failure) : 'the step was cancelled';
      if (entry?.stepId && message) stepOf(out, entry.stepId).lastFailure = message;
    } else if (event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      // A local activity has no scheduled event and no input in history: its marker names the step in its summary ("<step id>: <action>").
      const m = event.markerRecordedEventAttributes;
      const data = await decodeFromPayloadsAtIndex<LocalActivityMarker>(converter, 0, m.details?.data?.payloads);
      const summary = event.userMetadata?.summary ? await decodeFromPayloadsAtIndex<string>(converter, 0, [event.userMetadata.summary]) : undefined;
      const type = data?.activity_type ?? '';
      const suffix = `: ${type}`;
      if (!isActionName(type) || typeof summary !== 'string' || !summary.endsWith(suffix)) continue;
      const step = stepOf(out, summary.slice(0, -suffix.length));
      if (data.backoff == null) {
        step.executions++;
        step.attempts += data.attempt ?? 1;
      }
      const message = await failure(m.failure);
      if (message) step.lastFailure = message;
    } else if (event.startChildWorkflowExecutionInitiatedEventAttributes) {
      const a = event.startChildWorkflowExecutionInitiatedEventAttributes;
      if (a.workflowType?.name === SEGMENT_WORKFLOW && a.workflowId) children.push(a.workflowId);
    }
  }
  // Executions not yet ended: their attempts so far and last failure are in the pending activities.
  if (open.size > 0) {
    const description = await handle.describe();
    for (const pending of description.raw.pendingActivities ?? []) {
      const entry = byActivityId.get(pending.activityId ?? '');
      if (!entry?.stepId) continue;
      const step = stepOf(out, entry.stepId);
      step.attempts += pending.attempt ?? 1;
      step.pending = (step.pending ?? 0) + 1;
      const last = await failure(pending.lastFailure);
      if (last) step.lastFailure = last;
    }
  }
  for (const child of children) await readInto(client, child, undefined, out, false);
}
