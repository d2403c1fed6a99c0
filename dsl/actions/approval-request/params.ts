// Parameters, channels, decisions and the shapes that cross boundaries for approval.request.
import { z } from 'zod';
import { parseDuration, DURATION_PATTERN } from '../../duration';
import { formatPath, inspectTemplate, isTemplate, TemplateError } from '../../template';
import type { Problem, ValidationContext } from '../../problems';
import { emailSendBeforeRender, emailSendParams } from '../email-send/params';
import { webhookSendParams } from '../webhook-send/params';
import { valueAt } from '../../value-at';
import { APPROVAL_CHANNEL_ACTIONS, APPROVAL_MAX_TIMEOUT_MS, APPROVAL_MIN_TIMEOUT_MS, APPROVAL_LIMITS, APPROVAL_TOKENS, type ApprovalChannelAction } from './model';

export * from './model';

const duration = z
  .string()
  .regex(DURATION_PATTERN, { message: 'not a duration; write e.g. "30m", "24h" or "3d"' })
  .refine((text) => {
    const ms = parseDuration(text);
    return ms === undefined || (ms >= APPROVAL_MIN_TIMEOUT_MS && ms <= APPROVAL_MAX_TIMEOUT_MS);
  }, { message: 'the approval timeout must be between 1s and 30d' });

/** One notification sent when the wait begins; its `with` is checked by the channel's own rules (see {@link channelParamsSchema}). */
export const approvalChannelSchema = z
  .object({
    action: z.enum(APPROVAL_CHANNEL_ACTIONS, { message: `a channel is one of ${APPROVAL_CHANNEL_ACTIONS.join(', ')}` }),
    connection: z.string().min(1).optional(),
    with: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
/** A channel as the chain writes it (templates unrendered). */
export type ApprovalChannel = z.output<typeof approvalChannelSchema>;

/** approval.request parameters. */
export const approvalRequestParams = z
  .object({
    /** What the person approves; shown on the link page, in the Temporal UI and in the channels (`{{approval.message}}`). */
    message: z.string().min(1, { message: 'say what is to be approved' }).max(APPROVAL_LIMITS.message),
    /** Names or e-mail addresses allowed to decide, where the door can tell who decides. Empty: anyone who reaches a door. */
    approvers: z.union([z.array(z.string().min(1).max(APPROVAL_LIMITS.name)).max(100), z.string()]).default([]),
    /** How long the run waits for a decision. */
    timeout: duration.default('24h'),
    /** What the timeout decides: `reject` (decision `timed_out`), `approve`, or `fail` the step. */
    onTimeout: z.enum(['reject', 'approve', 'fail']).default('reject'),
    /** Notifications sent when the wait begins; their templates also see `{{approval.approveUrl}}`, `{{approval.rejectUrl}}`, `{{approval.expiresAt}}`. */
    channels: z.array(approvalChannelSchema).max(10, { message: 'at most 10 channels' }).default([]),
  })
  .strict();

export type ApprovalRequestParams = z.output<typeof approvalRequestParams>;

/** slack.post as a channel: the channel, and the mrkdwn text (default: the message and the two links). */
export const approvalSlackParams = z
  .object({
    channel: z.string().min(1, { message: 'give a channel id or #name' }),
    text: z.string().min(1).optional(),
  })
  .strict();

/** teams.notify as a channel: an Adaptive Card with the title, the text (default: the message) and Approve / Reject buttons. */
export const approvalTeamsParams = z
  .object({
    title: z.string().min(1).max(400).optional(),
    text: z.string().min(1).optional(),
  })
  .strict();

/** email.send as a channel: email.send's parameters, with a subject and a body by default; no merge. */
const approvalEmailParams = emailSendParams.refine((p) => !p.merge, { message: 'an approval e-mail is one message per approval; remove merge', path: ['merge'] });

/** The schema a channel's rendered `with` must pass, given the defaults of {@link channelDefaults}. */
export function channelParamsSchema(action: ApprovalChannelAction): z.ZodType {
  switch (action) {
    case 'email.send':
      return approvalEmailParams;
    case 'slack.post':
      return approvalSlackParams;
    case 'teams.notify':
      return approvalTeamsParams;
    case 'webhook.send':
      return webhookSendParams;
  }
}

/** What a channel's `with` gets when it leaves a field out: a subject for e-mail; every other default is built from the approval itself. */
export function channelDefaults(action: ApprovalChannelAction, jobName: string): Record<string, unknown> {
  return action === 'email.send' ? { subject: `Approval needed: ${jobName}` } : {};
}

/** Which connection types fit each channel, and whether it needs one (the catalogue's rules for the action). */
const CHANNEL_CONNECTIONS: Record<ApprovalChannelAction, { required: boolean; types: readonly string[] }> = {
  'email.send': { required: true, types: ['smtp'] },
  'slack.post': { required: true, types: ['apikey'] },
  'teams.notify': { required: true, types: ['http'] },
  'webhook.send': { required: false, types: ['http'] },
};

/** True when a value on the path, or the value itself, is a template: its check waits for rendering. */
function templatedAt(root: unknown, path: readonly PropertyKey[]): boolean {
  for (let i = 0; i <= path.length; i++) {
    const v = valueAt(root, path.slice(0, i));
    if (typeof v === 'string' && isTemplate(v)) return true;
  }
  return false;
}

function walkStrings(value: unknown, path: (string | number)[], visit: (text: string, path: (string | number)[]) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
}

/** The roots a template reads; an unparsable template reads nothing here (validation reports its syntax). */
function rootsOf(text: string): { path: string[]; line: number; column: number }[] {
  try {
    const { uses, optional } = inspectTemplate(text);
    return [...uses, ...optional];
  } catch (err) {
    if (err instanceof TemplateError) return [];
    throw err;
  }
}

/**
 * What plain validation cannot see in an approval.request: each channel's connection and
 * parameters (by the channel's own rules, fields holding tokens after rendering), `approval.*`
 * tokens naming a known field, a webhook channel's destination written literally, and approvers
 * that no result can choose. `prefix` is the step's `with` path (`steps[2].with`).
 */
export function approvalRequestProblems(raw: unknown, context: ValidationContext, prefix: (string | number)[], jobName: string): Problem[] {
  const params = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const problems: Problem[] = [];
  const at = (...rest: (string | number)[]) => formatPath([...prefix, ...rest]);
  walkStrings(params.approvers, ['approvers'], (text, path) => {
    if (rootsOf(text).some((u) => u.path[0] !== 'params' && u.path[0] !== 'globals') || /\{\{\s*[#^]/.test(text)) {
      problems.push({ path: at(...path), message: 'approvers decide who may approve: write them literally or from {{params.*}} / {{globals.*}}, never from results, the trigger or step outputs' });
    }
  });
  const channels = Array.isArray(params.channels) ? (params.channels as unknown[]) : [];
  channels.forEach((c, j) => {
    if (!c || typeof c !== 'object') return;
    const channel = c as Record<string, unknown>;
    const action = channel.action as ApprovalChannelAction;
    if (!(APPROVAL_CHANNEL_ACTIONS as readonly string[]).includes(action)) return;
    const rules = CHANNEL_CONNECTIONS[action];
    const connection = typeof channel.connection === 'string' ? channel.connection : undefined;
    if (rules.required && connection === undefined) problems.push({ path: at('channels', j, 'connection'), message: `${action} needs a connection; name one from riposte.config.json` });
    if (connection !== undefined && context.connections) {
      const found = context.connections[connection];
      const names = Object.keys(context.connections);
      if (!found) problems.push({ path: at('channels', j, 'connection'), message: `unknown connection "${connection}"; configured: ${names.length ? names.join(', ') : 'none (add it under "connections" in riposte.config.json)'}` });
      else if (!rules.types.includes(found.type)) problems.push({ path: at('channels', j, 'connection'), message: `connection "${connection}" is of type ${found.type}; ${action} needs one of type ${rules.types.join(' or ')}` });
    }
    const written = (channel.with && typeof channel.with === 'object' && !Array.isArray(channel.with) ? channel.with : {}) as Record<string, unknown>;
    // As for an email.send step: a literal comma-separated recipient list is split before rendering, never a rendered one.
    const given = action === 'email.send' ? emailSendBeforeRender(written).params : written;
    const withDefaults = { ...channelDefaults(action, jobName), ...given };
    const parsed = channelParamsSchema(action).safeParse(withDefaults);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (templatedAt(withDefaults, issue.path)) continue;
        problems.push({ path: at('channels', j, 'with', ...(issue.path as (string | number)[])), message: issue.message });
      }
    }
    if (action === 'webhook.send') {
      if (connection === undefined && given.host === undefined) problems.push({ path: at('channels', j, 'with', 'host'), message: 'give the host, or name an http connection that holds the URL' });
      for (const field of ['protocol', 'host', 'port', 'dynamicHost']) {
        const v = given[field];
        if ((typeof v === 'string' && isTemplate(v)) || (field === 'dynamicHost' && v !== undefined)) {
          problems.push({ path: at('channels', j, 'with', field), message: 'an approval link goes only where the chain says: write protocol, host and port literally (no tokens, no dynamicHost)' });
        }
      }
    }
    walkStrings(given, ['channels', j, 'with'], (text, path) => {
      for (const use of rootsOf(text)) {
        if (use.path[0] !== 'approval') continue;
        const field = use.path[1];
        if (field === undefined || !(APPROVAL_TOKENS as readonly string[]).includes(field) || use.path.length > 2) {
          problems.push({ path: at(...path), message: `token "${use.path.join('.')}" (line ${use.line}, column ${use.column + 1}): the approval token has ${APPROVAL_TOKENS.map((t) => `approval.${t}`).join(', ')}` });
        }
      }
    });
  });
  return problems;
}
