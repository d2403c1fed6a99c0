// approval.request's activities: issue single-use links (kept hashed), notify the channels through the connectors, and close approvals.
import crypto from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  CATALOGUE,
  type ActionSpec,
  TemplateError,
  channelDefaults,
  channelParamsSchema,
  formatPath,
  literalSecretPaths,
  renderTree,
  withRenderBudget,
  type ActionOutputs,
  type ActionRequest,
  type ApprovalActivities,
  type ApprovalChannel,
  type ApprovalChannelAction,
  type CloseApprovalRequest,
  type Escaping,
  type OpenApprovalOutcome,
  type OpenApprovalRequest,
  type ResultRow,
  type Trigger,
} from '../../dsl';
import { publicApiUrl } from '../../config/config';
import { linkHash } from '../../store/approvals';
import { withStore, type ActivityDeps } from '../shared/deps';
import { actionFailure } from '../shared/errors';
import { clipSlack, escapeSlack, SLACK_LIMITS, slackLink } from '../shared/insight/slack';
import { maskKnownSecrets, resolveLiteralSecrets } from '../shared/secrets';
import { adaptiveCardMessage } from '../shared/teams-card';

/**
 * The connectors approval requests go out through, given by activities/index.ts: a connector
 * reaches another only through what it is given, never through its internals.
 */
export interface ApprovalSenders {
  email(request: ActionRequest<'email.send'>): Promise<ActionOutputs['email.send']>;
  slack(request: ActionRequest, body: Record<string, unknown> & { channel: string }): Promise<ActionOutputs['slack.post']>;
  teams(request: ActionRequest, card: object): Promise<ActionOutputs['teams.notify']>;
  webhook(request: ActionRequest<'webhook.send'>): Promise<ActionOutputs['webhook.send']>;
}

/** A fresh link token: 32 random bytes, base64url. */
function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** What a channel's templates see as `approval`. */
interface ApprovalTokens {
  approveUrl: string;
  rejectUrl: string;
  expiresAt: string;
  message: string;
}

/** Strings of a value with `fn` applied, for a context whose data must arrive escaped (Slack's three characters). */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

/** Renders one channel's `with` with the action's escaping rules: HTML fields escaped, URL paths percent-encoded, Slack text with every value escaped. */
export function renderChannel(channel: ApprovalChannel, context: Record<string, unknown>, strict: boolean, path: (string | number)[]): Record<string, unknown> {
  const spec: ActionSpec = CATALOGUE[channel.action];
  const html = new Set<string>(spec.htmlFields?.(channel.with) ?? []);
  const uri = new Set<string>(spec.uriFields ?? []);
  const escapingFor = (at: (string | number)[]): Escaping => {
    const field = at.slice(path.length).join('.');
    return html.has(field) ? 'html' : uri.has(field) ? 'uri' : 'text';
  };
  // Structure the action reads from literal text (an e-mail's recipient list) is read here too, before rendering.
  const literal = spec.beforeRender?.(channel.with);
  if (literal && literal.problems.length > 0) throw new TemplateError(literal.problems.map((p) => `${formatPath(['with', ...p.path])}: ${p.message}`).join('; '));
  const written = (literal?.params ?? channel.with) as Record<string, unknown>;
  return withRenderBudget(() => {
    const rendered = renderTree(written, context, { strict, escapingFor }, path).value as Record<string, unknown>;
    if (channel.action === 'slack.post' && typeof channel.with.text === 'string') {
      // Slack text is mrkdwn: every value a token brings in is escaped, so `<!here>` in a log mentions nobody and `<url|x>` links nowhere.
      const escaped = { ...(mapStrings(context, escapeSlack) as Record<string, unknown>), approval: context.approval };
      rendered.text = renderTree(channel.with.text, escaped, { strict }, [...path, 'text']).value;
    }
    return rendered;
  });
}

/** The default Slack message: the message, then the two links in their own section so no cut of a long message can lose them. */
function slackBody(channel: string, text: string | undefined, a: ApprovalTokens): Record<string, unknown> & { channel: string } {
  const links = `${slackLink(a.approveUrl, 'Approve')}  ·  ${slackLink(a.rejectUrl, 'Reject')}  (single use, until ${a.expiresAt})`;
  if (text !== undefined) {
    return { channel, text: clipSlack(text, SLACK_LIMITS.messageText), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clipSlack(text, SLACK_LIMITS.sectionText) } }], unfurl_links: false };
  }
  const message = `*Approval needed:* ${clipSlack(escapeSlack(a.message), 2_500)}`;
  return {
    channel,
    text: `${message}\n${links}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: message } },
      { type: 'section', text: { type: 'mrkdwn', text: links } },
    ],
    unfurl_links: false,
  };
}

/**
 * The Adaptive Card for Teams (the format Workflows and incoming webhooks both take). Title and
 * text go into RichTextBlock text runs, which Adaptive Cards never read as Markdown
 * (learn.microsoft.com/adaptive-cards/create/textfeatures), so a `[link](…)` in a log stays text;
 * the only links are the two buttons.
 */
function teamsCard(title: string | undefined, text: string | undefined, a: ApprovalTokens): object {
  const run = (t: string, extra: Record<string, unknown> = {}) => ({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: [...t].slice(0, 2_000).join(''), ...extra }] });
  return adaptiveCardMessage(
    [run(title ?? 'Approval needed', { weight: 'Bolder', size: 'Medium' }), run(text ?? a.message), run(`The buttons work once, until ${a.expiresAt}.`, { isSubtle: true })],
    [
      { type: 'Action.OpenUrl', title: 'Approve', url: a.approveUrl },
      { type: 'Action.OpenUrl', title: 'Reject', url: a.rejectUrl },
    ],
  );
}

function defaultText(a: ApprovalTokens): string {
  return `${a.message}\n\nApprove: ${a.approveUrl}\nReject: ${a.rejectUrl}\n\nEach link works once, until ${a.expiresAt}.`;
}

function defaultHtml(a: ApprovalTokens): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<p>${esc(a.message)}</p>\n<p><a href="${esc(a.approveUrl)}">Approve</a> &middot; <a href="${esc(a.rejectUrl)}">Reject</a></p>\n<p>Each link works once, until ${esc(a.expiresAt)}.</p>`;
}

/** Replaces the raw link tokens, and every secret the worker resolved, in text that leaves the activity. */
function scrub(text: string, tokens: readonly string[]): string {
  let out = text;
  for (const t of tokens) out = out.split(t).join('***');
  return maskKnownSecrets(out);
}

/** Sends one channel through its connector; the output keeps only what identifies the message. */
async function sendChannel(senders: ApprovalSenders, action: ApprovalChannelAction, params: Record<string, unknown>, request: Omit<ActionRequest, 'action' | 'params'>, given: Record<string, unknown>, a: ApprovalTokens, rows: ResultRow[]): Promise<string | undefined> {
  switch (action) {
    case 'email.send': {
      const body = given.body === undefined ? (params.html === true ? defaultHtml(a) : defaultText(a)) : params.body;
      const out = await senders.email({ ...request, action, params: { ...params, body } as ActionRequest<'email.send'>['params'], results: rows });
      return out.messageId;
    }
    case 'slack.post': {
      const out = await senders.slack({ ...request, action, params }, slackBody(String(params.channel), params.text as string | undefined, a));
      return out.ts;
    }
    case 'teams.notify': {
      const out = await senders.teams({ ...request, action, params }, teamsCard(params.title as string | undefined, params.text as string | undefined, a));
      return String(out.status);
    }
    case 'webhook.send': {
      const body = given.body === undefined ? { message: a.message, approveUrl: a.approveUrl, rejectUrl: a.rejectUrl, expiresAt: a.expiresAt, runId: request.run.id, stepId: request.stepId.replace(/\.channels\[\d+\]$/, ''), index: request.index } : params.body;
      const out = await senders.webhook({ ...request, action, params: { ...params, body } as ActionRequest<'webhook.send'>['params'] });
      return String(out.status);
    }
  }
}

/** Sets the pending-approvals gauge from the store, which every worker shares. */
async function recordPending(deps: ActivityDeps): Promise<void> {
  const pending = await deps.store.approvals.countPending();
  Context.current().metricMeter.createGauge('riposte_approvals_pending', 'int', '', 'approvals waiting for a decision').set(pending);
}

/** The two activities of approval.request, built with the worker's dependencies. */
export function createApprovalActivities(deps: ActivityDeps, senders: ApprovalSenders): ApprovalActivities {
  return {
    /**
     * Records the approval, issues an approve and a reject link (fresh on every attempt; links of an
     * earlier attempt stay valid, so a message it sent still works), and sends each channel once
     * (a retry skips the channels already sent). Nothing returned holds a link.
     */
    async openApproval(request: OpenApprovalRequest): Promise<OpenApprovalOutcome> {
      const origin = `step "${request.stepId}" (approval.request)`;
      const approval = await withStore(origin, () =>
        deps.store.approvals.open({
          key: request.key,
          runId: request.runId,
          workflowId: request.workflowId,
          job: request.job,
          stepId: request.stepId,
          index: request.index,
          message: request.message,
          approvers: request.approvers,
          next: request.next,
          expiresAt: request.expiresAt,
          ...(request.runUrl ? { runUrl: request.runUrl } : {}),
        }),
      );
      if (approval.status !== 'pending') return { channels: [] };
      const approve = newToken();
      const reject = newToken();
      const tokens = [approve, reject];
      await withStore(origin, () => deps.store.approvals.addLinks(request.key, [{ hash: linkHash(approve), decision: 'approved' }, { hash: linkHash(reject), decision: 'rejected' }], request.expiresAt));
      await withStore(origin, () => recordPending(deps));
      const base = publicApiUrl(deps.config);
      const a: ApprovalTokens = { approveUrl: `${base}/approvals/${approve}`, rejectUrl: `${base}/approvals/${reject}`, expiresAt: request.expiresAt, message: request.message };
      const context = { ...request.context, approval: a };
      const outcome: OpenApprovalOutcome = { channels: [] };
      for (const [j, channel] of request.channels.entries()) {
        const path: (string | number)[] = ['steps', request.stepIndex, 'with', 'channels', j, 'with'];
        const where = `${origin}: ${formatPath(['with', 'channels', j])} (${channel.action})`;
        try {
          let rendered: Record<string, unknown>;
          try {
            rendered = renderChannel(channel, context, request.strict, path);
          } catch (err) {
            if (err instanceof TemplateError) throw actionFailure('ActionInputError', `${where}: ${err.message}`);
            throw err;
          }
          const parsed = channelParamsSchema(channel.action).safeParse({ ...channelDefaults(channel.action, request.job), ...rendered });
          if (!parsed.success) {
            const first = parsed.error.issues[0];
            throw actionFailure('ActionInputError', `${where}: with.${first.path.join('.')}: ${first.message}`);
          }
          // Only what the chain wrote literally as a secret reference is resolved.
          const params = resolveLiteralSecrets(parsed.data as Record<string, unknown>, literalSecretPaths(channel.with), where);
          const rows = request.index !== null ? [request.context.result as ResultRow].filter(Boolean) : ((request.context.results as ResultRow[] | undefined) ?? []);
          const ref = await sendChannel(
            senders,
            channel.action,
            params,
            {
              stepId: `${request.stepId}.channels[${j}]`,
              stepIndex: request.stepIndex,
              connection: channel.connection,
              idempotencyKey: `${request.key}/channel/${j}`,
              index: request.index,
              job: (request.context.job as ActionRequest['job'] | undefined) ?? { name: request.job },
              run: { id: request.runId, startedAt: String((request.context.run as { startedAt?: string } | undefined)?.startedAt ?? request.expiresAt) },
              ...(request.context.trigger ? { trigger: request.context.trigger as Trigger } : {}),
            },
            channel.with,
            a,
            rows,
          );
          outcome.channels.push({ action: channel.action, ...(channel.connection ? { connection: channel.connection } : {}), sent: true, ...(ref ? { ref: scrub(ref, tokens) } : {}) });
        } catch (err) {
          // A connector's message may quote what it sent (a URL, a body): the links never leave this activity.
          if (err instanceof ApplicationFailure) {
            throw ApplicationFailure.create({ type: err.type ?? undefined, message: scrub(err.message, tokens), nonRetryable: err.nonRetryable ?? undefined, ...(err.nextRetryDelay !== undefined && err.nextRetryDelay !== null ? { nextRetryDelay: err.nextRetryDelay } : {}) });
          }
          throw ApplicationFailure.create({ type: err instanceof Error ? err.name : 'Error', message: scrub(`${where}: ${err instanceof Error ? err.message : String(err)}`, tokens) });
        }
      }
      return outcome;
    },

    /** Records the decision (or the cancellation) and spends the approval's links. */
    async closeApproval(request: CloseApprovalRequest): Promise<void> {
      await withStore('approval', () => deps.store.approvals.close(request.key, { status: request.status, by: request.by ?? null, ...(request.via ? { via: request.via } : {}), at: request.at, comment: request.comment ?? null }));
      await withStore('approval', () => recordPending(deps));
    },
  };
}
