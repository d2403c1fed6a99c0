// slack.post: the Insight summary posted to a Slack channel with the Web API's chat.postMessage.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { actionFailure } from '../shared/errors';
import { deliverOnce, originOf, type ActivityDeps } from '../shared/deps';
import { callPeer, retryAfterMs, type PeerRequest } from '../shared/http';
import { apiKeyAccess, insightOf, joinUrl } from '../shared/insight/insight';
import { clipSlack, escapeSlack, SLACK_LIMITS, slackLink } from '../shared/insight/slack';
import { insightSummary, type InsightSummary } from '../shared/insight/summary';

/** Slack's `ok:false` errors that go away by themselves. */
const TRANSIENT = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
/** Errors that mean the token is wrong: fix the connection. */
const CREDENTIALS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope', 'not_allowed_token_type']);

/**
 * The longest a single fact may be once escaped. Four facts of this size and the labels stay
 * under a section's 3000 characters, so no cut ever falls inside the title's `<url|label>`.
 */
const MAX_FACT = 600;

/**
 * The chat.postMessage body for a summary. Every value that comes from the Insight is escaped
 * per Slack's formatting rules, in the fallback `text` and in the block alike, so an Insight
 * named `Login by <!here>` mentions nobody; only the Insight's link is a link. One section
 * block (Slack allows 50) whose text stays within the section's 3000 characters.
 */
export function slackPostBody(s: InsightSummary, channel: string): Record<string, unknown> {
  const fact = (text: string) => clipSlack(escapeSlack(text), MAX_FACT);
  const title = clipSlack(escapeSlack(s.title), MAX_FACT);
  const severity = fact(String(s.severity));
  const tactics = fact(s.tactics.length > 0 ? s.tactics.join(', ') : 'none');
  const link = s.link && s.link.length <= MAX_FACT ? s.link : undefined;
  const text = [`${title} [${severity}]`, `Entity: ${fact(s.entity)}`, `MITRE tactics: ${tactics}`, `Link: ${link ? escapeSlack(link) : 'not given'}`].join('\n');
  const heading = slackLink(link, title);
  const mrkdwn = [`*${heading}* [${severity}]`, `*Entity:* ${fact(s.entity)}`, `*MITRE tactics:* ${tactics}`, ...(link ? [`*Link:* ${escapeSlack(link)}`] : [])].join('\n');
  return {
    channel,
    text: clipSlack(text, SLACK_LIMITS.messageText),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clipSlack(mrkdwn, SLACK_LIMITS.sectionText) } }],
    unfurl_links: false,
  };
}

/** The chat.postMessage call with the escaped summary, as it goes out (the step sends it, the dry run shows it). */
export function buildSlackPostRequest(deps: ActivityDeps, request: ActionRequest<'slack.post'>): PeerRequest {
  return slackMessageRequest(deps, request, slackPostBody(insightSummary(insightOf(request)), request.params.channel) as SlackMessage);
}

/** The chat.postMessage call for a body, with the step's apikey connection. */
function slackMessageRequest(deps: ActivityDeps, request: ActionRequest, body: SlackMessage): PeerRequest {
  const access = apiKeyAccess(deps, request, 'https://slack.com/api');
  const headers = { ...access.headers, authorization: `Bearer ${access.key}`, 'content-type': 'application/json; charset=utf-8' };
  return { origin: originOf(request), network: deps.config.network, url: joinUrl(access.base, '/chat.postMessage'), method: 'POST', headers, body: JSON.stringify(body), tls: access.tls, secrets: access.secrets };
}

/**
 * Slack answers 200 with `ok:false` on most errors, so the answer is classified twice: the HTTP
 * status by `callPeer`, then Slack's error code here.
 */
export function postSlackAction(deps: ActivityDeps) {
  return async function postSlack(request: ActionRequest<'slack.post'>): Promise<ActionOutputs['slack.post']> {
    const summary = insightSummary(insightOf(request));
    return sendSlackMessage(deps, request, slackPostBody(summary, request.params.channel) as SlackMessage);
  };
}

/** A chat.postMessage body: the channel and what to post. */
export type SlackMessage = Record<string, unknown> & { channel: string };

/** Posts a chat.postMessage body with the step's apikey connection, once per idempotency key (approval.request's channels use it too). */
export async function sendSlackMessage(deps: ActivityDeps, request: ActionRequest, body: SlackMessage): Promise<ActionOutputs['slack.post']> {
  const origin = originOf(request);
  const peerRequest = slackMessageRequest(deps, request, body);
  return deliverOnce(deps, request, async () => {
    const response = await callPeer(peerRequest);
    const answer = (response.json ?? {}) as { ok?: boolean; error?: string; ts?: string; channel?: string };
    if (answer.ok === true && answer.ts) return { ts: answer.ts, channel: answer.channel ?? body.channel };
    const error = answer.error ?? 'no ok field in the answer';
    const message = `${origin}: Slack chat.postMessage answered ok:false: ${error}`;
    if (TRANSIENT.has(error)) throw actionFailure('PeerUnavailableError', message, { nextRetryDelayMs: retryAfterMs(response.headers['retry-after']) });
    if (CREDENTIALS.has(error)) throw actionFailure('ConnectionConfigError', `${message} (check the connection's token and its scopes: chat:write)`);
    throw actionFailure('PeerRejectedError', message);
  });
}
