// slack.webhook: the Insight JSON posted to a Slack incoming webhook.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { withStoredEnrichments } from '../shared/insight/enrichments';
import { deliverOnce, originOf, type ActivityDeps } from '../shared/deps';
import { callPeer, type PeerRequest } from '../shared/http';
import { insightJson, insightOf, vendorInsightOf, webhookAccess } from '../shared/insight/insight';
import { clipSlack, escapeSlack, SLACK_LIMITS } from '../shared/insight/slack';

/**
 * The `text` of the webhook message: the Insight's name line and its JSON in a code block, both
 * escaped per Slack's formatting rules (an Insight named `Login by <!here>` mentions nobody; in
 * a code block Slack shows `&lt;` as `<`), and cut to fit Slack's 40,000 characters with the
 * code block still closed.
 */
export function slackWebhookText(heading: string, json: unknown): string {
  const line = clipSlack(escapeSlack(heading), 1000);
  const room = SLACK_LIMITS.messageText - line.length - 10;
  return `${line}\n\`\`\`${clipSlack(escapeSlack(JSON.stringify(json, null, 2)), room)}\`\`\``;
}

/**
 * Posts `{ text, insight }`: Slack incoming webhooks display `text` (here the Insight JSON in a
 * code block) and refuse a payload without it; `insight` keeps the JSON whole for Workflow
 * Builder webhooks, which read named fields.
 */
export async function buildSlackWebhookRequest(deps: ActivityDeps, request: ActionRequest<'slack.webhook'>): Promise<PeerRequest> {
  const origin = originOf(request);
  const insight = await withStoredEnrichments(deps, origin, vendorInsightOf(request));
  const view = insightOf(request);
  const access = webhookAccess(deps, request);
  // "The complete Insight": Signals and their Records (allRecords) as Cloud SIEM sends them.
  const json = insightJson(insight, { signals: true, records: true });
  const text = slackWebhookText(`${view.readableId}: ${view.name}`, json);
  const headers = { ...access.headers, 'content-type': 'application/json' };
  const body = JSON.stringify({ text, insight: json });
  return { origin, network: deps.config.network, url: access.url, method: 'POST', headers, body, tls: access.tls, secrets: access.secrets };
}

/** Posts what {@link buildSlackWebhookRequest} builds, once per run and step. */
export function postSlackWebhookAction(deps: ActivityDeps) {
  return async function postSlackWebhook(request: ActionRequest<'slack.webhook'>): Promise<ActionOutputs['slack.webhook']> {
    const peerRequest = await buildSlackWebhookRequest(deps, request);
    return deliverOnce(deps, request, async () => ({ status: (await callPeer(peerRequest)).status }));
  };
}
