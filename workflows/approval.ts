// approval.request in the workflow: notifications as an activity, then a durable wait for a decision (an Update) or the timeout (a timer).
import { ActivityFailure, ApplicationFailure, CancellationScope, condition, defineUpdate, isCancellation, metricMeter, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  APPROVAL_LIMITS,
  APPROVAL_MAX_TIMEOUT_MS,
  APPROVAL_MIN_TIMEOUT_MS,
  APPROVAL_UPDATE,
  approvalKey,
  parseDuration,
  type ApprovalActivities,
  type ApprovalChannel,
  type ApprovalDecisionInput,
  type ApprovalOutput,
  type CloseApprovalRequest,
  type PendingApproval,
  type Step,
} from '../dsl/model';
import { activityOptions, type Scope } from './execute';

/** The Update a door sends; its validator refuses a decision that cannot win, so a refused one leaves no trace in history. */
export const decideUpdate = defineUpdate<ApprovalOutput, [ApprovalDecisionInput]>(APPROVAL_UPDATE);

/** One approval the run waits for, and its decision once taken. */
interface Waiting {
  pending: PendingApproval;
  decision?: ApprovalOutput;
}

/** The approvals of one workflow (a run, or a fan-out child): those waiting, and why each closed one takes no decision. */
interface Board {
  waiting: Map<string, Waiting>;
  closed: Map<string, string>;
}

// Keyed by the workflow's scope object, so a board never outlives or crosses its workflow.
const boards = new WeakMap<Scope, Board>();

/** The approvals the run waits for now, for the `status` query. */
export function waitingApprovals(scope: Scope | undefined): { approvals?: PendingApproval[] } {
  const board = scope ? boards.get(scope) : undefined;
  const list = board ? [...board.waiting.values()].filter((w) => !w.decision).map((w) => w.pending) : [];
  return list.length > 0 ? { approvals: list } : {};
}

function refused(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

function describeDecision(d: ApprovalOutput): string {
  if (d.via === 'timeout') return `already decided: ${d.decision === 'approved' ? 'approved by the timeout' : 'timed out'} at ${d.at}`;
  return `already decided: ${d.decision} by ${d.by ?? 'link'} (${d.via}) at ${d.at}`;
}

const normalName = (name: string) => name.trim().toLowerCase();

/** Refuses a decision that cannot be taken; throws, so the Update's validator rejects it. */
function checkDecision(board: Board, input: ApprovalDecisionInput): Waiting {
  if (!input || typeof input.key !== 'string') throw refused('ApprovalNotPendingError', 'name the approval: <run id>/<step id>/<result index or once>');
  const waiting = board.waiting.get(input.key);
  if (waiting?.decision) throw refused('ApprovalDecidedError', describeDecision(waiting.decision));
  const closed = board.closed.get(input.key);
  if (closed) throw refused('ApprovalDecidedError', closed);
  if (!waiting) throw refused('ApprovalNotPendingError', `no approval waits for ${input.key} in this run`);
  if (input.decision !== 'approved' && input.decision !== 'rejected') throw refused('ApprovalInputError', 'decide "approved" or "rejected"');
  if (typeof input.by !== 'string' || input.by.length > APPROVAL_LIMITS.name) throw refused('ApprovalInputError', `say who decides, in at most ${APPROVAL_LIMITS.name} characters`);
  if (input.comment !== undefined && (typeof input.comment !== 'string' || input.comment.length > APPROVAL_LIMITS.comment)) throw refused('ApprovalInputError', `a comment has at most ${APPROVAL_LIMITS.comment} characters`);
  const approvers = waiting.pending.approvers;
  if (approvers.length > 0) {
    // A link is its own credential (sent only where the chain said); a name typed beside it is trusted only when configuration says so, and then checked.
    if (input.verified && !approvers.map(normalName).includes(normalName(input.by))) {
      throw refused('ApproverNotAllowedError', `"${input.by}" is not among the approvers of step "${waiting.pending.stepId}" (${approvers.join(', ')})`);
    }
    if (!input.verified && input.via !== 'link') throw refused('ApproverNotAllowedError', `step "${waiting.pending.stepId}" names its approvers; this door cannot tell who decides`);
  }
  return waiting;
}

function boardOf(scope: Scope): Board {
  let board = boards.get(scope);
  if (!board) {
    const created: Board = { waiting: new Map(), closed: new Map() };
    board = created;
    boards.set(scope, created);
    setHandler(
      decideUpdate,
      (input) => {
        // Checked again: of two decisions accepted together, only the first to run wins.
        const waiting = checkDecision(created, input);
        const comment = input.comment?.trim();
        waiting.decision = {
          decision: input.decision,
          by: input.by.trim() || null,
          at: new Date().toISOString(),
          comment: comment ? comment : null,
          via: input.via,
          verified: input.verified,
        };
        return Promise.resolve(waiting.decision);
      },
      { validator: (input) => void checkDecision(created, input), description: 'a decision on an approval.request step: approved or rejected' },
    );
  }
  return board;
}

/** Markdown for the Temporal UI's current details; the message is data, so nothing in it formats. */
function escapeMarkdown(text: string): string {
  // Each message sits mid-line after "- step …:", so only inline syntax needs escaping.
  return text.replace(/[\\`*_[\]()!|<>~]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
}

function showDetails(scope: Scope, board: Board): void {
  const list = [...board.waiting.values()].filter((w) => !w.decision).map((w) => w.pending);
  if (list.length === 0) {
    setCurrentDetails('');
    return;
  }
  const lines = list.slice(0, 10).map((p) => `- step \`${p.stepId}\`${p.index !== null ? ` result ${p.index}` : ''}: ${escapeMarkdown(p.message.slice(0, 300))} (expires ${p.expiresAt})`);
  setCurrentDetails(
    [
      `**Waiting for approval** (${list.length})`,
      ...lines,
      ...(list.length > 10 ? [`- and ${list.length - 10} more`] : []),
      '',
      `Decide from the links sent, or: \`riposte approvals approve|reject ${scope.runId} STEP [--index N] [--comment C]\``,
    ].join('\n'),
  );
}

interface CheckedParams {
  message: string;
  approvers: string[];
  timeoutMs: number;
  timeout: string;
  onTimeout: 'reject' | 'approve' | 'fail';
  channels: ApprovalChannel[];
}

/**
 * The rendered parameters with their defaults, checked by hand: the workflow does not load zod
 * (see worker/inert-zod.ts); the schema checked all that was not a token before the run started.
 */
function approvalParamsOf(rendered: unknown, step: Step): { params: CheckedParams } | { error: string } {
  const raw = (rendered ?? {}) as Record<string, unknown>;
  const at = (field: string) => `step "${step.id}" (approval.request): with.${field}`;
  if (typeof raw.message !== 'string' || raw.message.trim() === '') return { error: `${at('message')}: rendered empty; say what is to be approved` };
  const message = [...raw.message].slice(0, APPROVAL_LIMITS.message).join('');
  const listed = raw.approvers === undefined ? [] : typeof raw.approvers === 'string' ? raw.approvers.split(',') : raw.approvers;
  if (!Array.isArray(listed) || listed.some((a) => typeof a !== 'string')) return { error: `${at('approvers')}: give names or e-mail addresses` };
  const approvers = (listed as string[]).map((a) => a.trim()).filter((a) => a.length > 0);
  const timeout = raw.timeout === undefined ? '24h' : String(raw.timeout);
  const timeoutMs = parseDuration(timeout);
  if (timeoutMs === undefined || timeoutMs < APPROVAL_MIN_TIMEOUT_MS || timeoutMs > APPROVAL_MAX_TIMEOUT_MS) return { error: `${at('timeout')}: write a duration between 1s and 30d, e.g. "24h"; rendered value: ${JSON.stringify(raw.timeout)}` };
  const onTimeout = raw.onTimeout ?? 'reject';
  if (onTimeout !== 'reject' && onTimeout !== 'approve' && onTimeout !== 'fail') return { error: `${at('onTimeout')}: write reject, approve or fail` };
  // The chain's `with` is kept as written: a channel may leave its own `with` out.
  const channels = Array.isArray(raw.channels) ? (raw.channels as ApprovalChannel[]).map((c) => ({ ...c, with: c.with ?? {} })) : [];
  return { params: { message, approvers, timeoutMs, timeout, onTimeout, channels } };
}

/**
 * The tokens the channels' templates read, and no more: each channel renders in the activity, and
 * whatever it is given lands in history, so a large result set is not handed over for a link.
 */
function channelContext(context: Record<string, unknown>, channels: ApprovalChannel[], byReference: boolean): Record<string, unknown> {
  const text = JSON.stringify(channels);
  const emailRows = channels.some((c) => c.action === 'email.send' && (c.with.table === true || (c.with.attachCsv !== undefined && c.with.attachCsv !== false) || c.with.format === 'summary'));
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(context)) {
    const always = name === 'job' || name === 'run' || (emailRows && (name === 'results' || name === 'result' || name === 'trigger'));
    if (!always && !text.includes(name)) continue;
    // A set kept by reference is known here by its first page only; so is the `results` token of the channels.
    out[name] = name === 'results' && Array.isArray(value) && byReference ? value.slice(0, 100).filter((r) => r !== undefined) : value;
  }
  return out;
}

/** What happens after this step, for the link page: the next steps and their conditions as the chain wrote them. */
function nextSteps(scope: Scope, stepIndex: number): string[] {
  return scope.chain.steps.slice(stepIndex + 1, stepIndex + 11).map((s) => `${s.id} (${s.action})${s.when ? ` when ${s.when}` : ''}`);
}

/**
 * Opens the approval (links issued and channels notified by one activity, so the raw link tokens
 * never reach history), waits for the first valid decision or the timeout, then closes it: links
 * invalidated, decision kept. A cancelled run closes it too before the cancellation goes on.
 */
export async function requestApproval(scope: Scope, step: Step, stepIndex: number, rendered: unknown, index: number | null, context: Record<string, unknown>): Promise<{ output: ApprovalOutput } | { error: string }> {
  const checked = approvalParamsOf(rendered, step);
  if ('error' in checked) return checked;
  const p = checked.params;
  const key = approvalKey(scope.runId, step.id, index);
  const board = boardOf(scope);
  const expiresAt = new Date(Date.now() + p.timeoutMs).toISOString();
  const waiting: Waiting = { pending: { key, runId: scope.runId, stepId: step.id, index, message: p.message, approvers: p.approvers, expiresAt } };
  board.waiting.set(key, waiting);
  showDetails(scope, board);
  const opening = proxyActivities<ApprovalActivities>(activityOptions(step));
  const closing = proxyActivities<ApprovalActivities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '30s' }, summary: `${step.id}: approval closed` });
  const outcomes = metricMeter.createCounter('riposte_approvals', '', 'decided approvals by chain and decision (approved, rejected, timed_out, cancelled, failed)');
  const close = async (request: CloseApprovalRequest) => {
    await closing.closeApproval(request);
    outcomes.add(1, { chain: scope.chain.name, decision: request.status });
  };
  try {
    try {
      await opening.openApproval({
        key,
        runId: scope.runId,
        workflowId: workflowInfo().workflowId,
        job: scope.chain.name,
        stepId: step.id,
        stepIndex,
        index,
        message: p.message,
        approvers: p.approvers,
        expiresAt,
        next: nextSteps(scope, stepIndex),
        ...(scope.base.run.url ? { runUrl: scope.base.run.url } : {}),
        channels: p.channels,
        context: channelContext(context, p.channels, scope.resultsRef !== undefined),
        strict: scope.chain.strict === true,
      });
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      board.closed.set(key, 'closed: the step failed while sending its notifications');
      board.waiting.delete(key);
      await close({ key, status: 'failed', at: new Date().toISOString() });
      return { error: err.cause?.message ?? err.message };
    }
    const remaining = Date.parse(expiresAt) - Date.now();
    const decidedInTime = waiting.decision !== undefined || (await condition(() => waiting.decision !== undefined, Math.max(remaining, 1)));
    if (!decidedInTime) {
      // Set before closing, so a decision arriving meanwhile is told the timeout decided.
      waiting.decision = { decision: p.onTimeout === 'approve' ? 'approved' : 'timed_out', by: null, at: new Date().toISOString(), comment: null, via: 'timeout', verified: false };
    }
    const decision = waiting.decision as ApprovalOutput;
    board.closed.set(key, describeDecision(decision));
    await close({ key, status: decision.decision, by: decision.by, via: decision.via, at: decision.at, comment: decision.comment });
    if (!decidedInTime && p.onTimeout === 'fail') return { error: `step "${step.id}" (approval.request): nobody decided within ${p.timeout} (onTimeout: fail)` };
    return { output: decision };
  } catch (err) {
    if (isCancellation(err)) {
      board.closed.set(key, 'closed: the run was cancelled');
      board.waiting.delete(key);
      await CancellationScope.nonCancellable(() => close({ key, status: 'cancelled', at: new Date().toISOString() }));
    }
    throw err;
  } finally {
    board.waiting.delete(key);
    showDetails(scope, board);
  }
}
