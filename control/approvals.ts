// The doors of an approval (links, CLI, API) share this: find the approval, send the decision to the waiting run, say why not.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { APPROVAL_LIMITS, APPROVAL_UPDATE, approvalKey, type ApprovalDecisionInput, type ApprovalOutput } from '../dsl';
import type { Store } from '../store/store';
import type { StoredApproval } from '../store/approvals';

/** Why a door could not decide: the approval is unknown, already decided or closed, the decider not allowed, the input wrong, or no worker answered. */
export type ApprovalRefusal = 'not-found' | 'decided' | 'not-allowed' | 'invalid' | 'unavailable';

/** A decision a door could not take, with what to tell the person. */
export class ApprovalDoorError extends Error {
  constructor(
    readonly refusal: ApprovalRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ApprovalDoorError';
  }
}

/** The HTTP status each refusal answers with. */
export const REFUSAL_STATUS: Record<ApprovalRefusal, number> = { 'not-found': 404, decided: 409, 'not-allowed': 403, invalid: 400, unavailable: 503 };

/** How long a door waits for the run to take a decision before saying no worker answered. */
export const DECISION_TIMEOUT_MS = 30_000;

/** How a closed approval reads to the person who tries to decide it. */
export function describeClosed(a: StoredApproval): string {
  if (a.status === 'pending') return 'waiting for a decision';
  if (a.status === 'cancelled') return 'closed: the run was cancelled';
  if (a.status === 'failed') return 'closed: the step failed while sending its notifications';
  if (a.status === 'closed') return 'closed: the run no longer waits for it';
  if (a.decidedVia === 'timeout') return `already decided: ${a.status === 'approved' ? 'approved by the timeout' : 'timed out'} at ${a.decidedAt}`;
  return `already decided: ${a.status} by ${a.decidedBy ?? 'link'} (${a.decidedVia}) at ${a.decidedAt}`;
}

/**
 * The approval of step `stepId` of run `runId`: the one of result `index`, or, without an index,
 * the step's only pending one (an `each` step waits once per result and needs the index).
 */
export async function findApproval(store: Store, runId: string, stepId: string, index?: number): Promise<StoredApproval> {
  if (index !== undefined) {
    const found = await store.approvals.get(approvalKey(runId, stepId, index));
    if (!found) throw new ApprovalDoorError('not-found', `run ${runId} has no approval for step "${stepId}" result ${index}`);
    return found;
  }
  const once = await store.approvals.get(approvalKey(runId, stepId, null));
  if (once) return once;
  const pending = (await store.approvals.list({ runId, status: 'pending', limit: 1_000 })).filter((a) => a.stepId === stepId);
  if (pending.length === 1) return pending[0];
  if (pending.length > 1) throw new ApprovalDoorError('invalid', `step "${stepId}" of run ${runId} waits for ${pending.length} results (indexes ${pending.map((a) => a.index).sort((x, y) => (x ?? -1) - (y ?? -1)).join(', ')}); name one with its index`);
  throw new ApprovalDoorError('not-found', `run ${runId} has no pending approval for step "${stepId}"`);
}

/** A decision as a door hands it over. */
export interface DoorDecision {
  decision: 'approved' | 'rejected';
  by: string;
  verified: boolean;
  via: ApprovalDecisionInput['via'];
  comment?: string;
  /** Sent again with the same id, an Update is answered with the first outcome (a link's retry). */
  updateId?: string;
}

const REFUSALS: Record<string, ApprovalRefusal> = {
  ApprovalDecidedError: 'decided',
  ApprovalNotPendingError: 'not-found',
  ApproverNotAllowedError: 'not-allowed',
  ApprovalInputError: 'invalid',
};

function isGone(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const cause = (err as { cause?: { code?: number; details?: string; message?: string } })?.cause;
  const text = `${(err as Error)?.message ?? ''} ${cause?.details ?? ''} ${cause?.message ?? ''}`;
  return /workflow execution already completed|not found/i.test(text);
}

/**
 * Sends the decision to the workflow that waits (the run, or its fan-out child). The run's Update
 * validator is the one judge: it takes the first valid decision and refuses any later one, so two
 * doors deciding at once cannot both win. The store is brought up to date right away, so lists
 * and link pages show the outcome before the run records it itself.
 */
export async function decideApproval(client: Client, store: Store, approval: StoredApproval, d: DoorDecision, timeoutMs = DECISION_TIMEOUT_MS): Promise<ApprovalOutput> {
  if (approval.status !== 'pending') throw new ApprovalDoorError('decided', describeClosed(approval));
  const comment = d.comment?.trim();
  if (comment && comment.length > APPROVAL_LIMITS.comment) throw new ApprovalDoorError('invalid', `a comment has at most ${APPROVAL_LIMITS.comment} characters`);
  if (d.by.length > APPROVAL_LIMITS.name) throw new ApprovalDoorError('invalid', `a name has at most ${APPROVAL_LIMITS.name} characters`);
  const input: ApprovalDecisionInput = { key: approval.key, decision: d.decision, by: d.by, verified: d.verified, via: d.via, ...(comment ? { comment } : {}) };
  const handle = client.workflow.getHandle(approval.workflowId);
  let answer: ApprovalOutput;
  try {
    answer = await client.withDeadline(Date.now() + timeoutMs, () => handle.executeUpdate<ApprovalOutput, [ApprovalDecisionInput]>(APPROVAL_UPDATE, { args: [input], ...(d.updateId ? { updateId: d.updateId } : {}) }));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      const type = cause instanceof ApplicationFailure ? (cause.type ?? '') : '';
      throw new ApprovalDoorError(REFUSALS[type] ?? 'invalid', cause?.message ?? err.message);
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new ApprovalDoorError('unavailable', `the run did not take the decision within ${Math.round(timeoutMs / 1000)}s (is a worker running?); try again`);
    }
    if (isGone(err)) {
      await store.approvals.close(approval.key, { status: 'closed', at: new Date().toISOString() });
      throw new ApprovalDoorError('decided', 'closed: the run no longer waits for it');
    }
    throw err;
  }
  await store.approvals.close(approval.key, { status: answer.decision, by: answer.by, via: answer.via, at: answer.at, comment: answer.comment });
  return answer;
}

/** One line of text with no control character, for terminals and logs: a message from a log cannot move the cursor or fake a line. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ');
}
