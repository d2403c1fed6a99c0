// approval.request's plain model: decisions, keys, limits and the shapes that cross the workflow boundary.
import type { ApprovalChannel } from './params';

/** The actions a channel may name: the notifications sent when the wait begins. */
export const APPROVAL_CHANNEL_ACTIONS = ['email.send', 'slack.post', 'teams.notify', 'webhook.send'] as const;
/** A channel's action. */
export type ApprovalChannelAction = (typeof APPROVAL_CHANNEL_ACTIONS)[number];

/** The fields of the `approval` token, which only a channel's templates see. */
export const APPROVAL_TOKENS = ['approveUrl', 'rejectUrl', 'expiresAt', 'message'] as const;

/** The shortest and longest wait. */
export const APPROVAL_MIN_TIMEOUT_MS = 1_000;
export const APPROVAL_MAX_TIMEOUT_MS = 30 * 86_400_000;

/** How a decision reached the run; `timeout` when nobody decided in time. */
export type ApprovalVia = 'link' | 'cli' | 'api' | 'timeout';

/** The three outcomes later steps read (`{{eq steps.ask.decision 'approved'}}`). */
export type ApprovalDecision = 'approved' | 'rejected' | 'timed_out';

/** approval.request output. */
export interface ApprovalOutput {
  decision: ApprovalDecision;
  /** Who decided: the API token's name, the CLI user, the name typed on the link page (or "link"), null on a timeout. */
  by: string | null;
  /** When the decision was taken (ISO 8601). */
  at: string;
  comment: string | null;
  via: ApprovalVia;
  /** True when the door could tell who decided (API token, CLI user, a typed name trusted by configuration). */
  verified: boolean;
}

/** The name of the workflow Update that carries a decision to the waiting run. */
export const APPROVAL_UPDATE = 'approval';

/** A decision sent by a door. `key` names the approval: `<run id>/<step id>/<result index or once>`. */
export interface ApprovalDecisionInput {
  key: string;
  decision: 'approved' | 'rejected';
  by: string;
  verified: boolean;
  via: Exclude<ApprovalVia, 'timeout'>;
  comment?: string;
}

/** An approval waiting for its decision, as the `status` query, the store and the doors show it. */
export interface PendingApproval {
  key: string;
  runId: string;
  stepId: string;
  index: number | null;
  message: string;
  approvers: string[];
  expiresAt: string;
}

/** The key of an approval: one per run, step and result (`once` in once mode). */
export function approvalKey(runId: string, stepId: string, index: number | null): string {
  return `${runId}/${stepId}/${index ?? 'once'}`;
}

/** Longest message, comment and name kept. */
export const APPROVAL_LIMITS = { message: 4_000, comment: 2_000, name: 200 } as const;

/** The approval steps' activities: opening (links issued, channels notified) and closing (links invalidated, decision kept). */
export interface ApprovalActivities {
  openApproval(request: OpenApprovalRequest): Promise<OpenApprovalOutcome>;
  closeApproval(request: CloseApprovalRequest): Promise<void>;
}

/** What opening an approval needs. The raw link tokens are made inside the activity and never leave it. */
export interface OpenApprovalRequest {
  key: string;
  /** The run's workflow id, and the workflow that waits (a fan-out child for a large `each` step), where decisions are sent. */
  runId: string;
  workflowId: string;
  job: string;
  stepId: string;
  stepIndex: number;
  index: number | null;
  message: string;
  approvers: string[];
  expiresAt: string;
  /** What the run does next (`block (webhook.send) when ...`), for the link page. */
  next: string[];
  runUrl?: string;
  /** The channels as the chain wrote them, rendered by the activity with the `approval` token added. */
  channels: ApprovalChannel[];
  /** The tokens the channels' templates see, besides `approval`. */
  context: Record<string, unknown>;
  strict: boolean;
}

/** What opening did, without a link: which channels were notified. */
export interface OpenApprovalOutcome {
  channels: { action: ApprovalChannelAction; connection?: string; sent: true; ref?: string }[];
}

/** How an approval ended, for the store and the metrics. */
export interface CloseApprovalRequest {
  key: string;
  status: ApprovalDecision | 'cancelled' | 'failed';
  by?: string | null;
  via?: ApprovalVia;
  at: string;
  comment?: string | null;
}
