// slack.webhook: the Insight JSON posted to a Slack incoming webhook.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { withStoredEnrichments } from '../insight/enrichments';
import { deliverOnce, originOf, type ActivityDeps } from '../deps';
import { callPeer, type PeerRequest } from '../http';
import { insightJson, insightOf, webhookAccess } from '../insight/insight';

/** Slack cuts message text at 40,000 characters. */
const MAX_TEXT = 39_000;

/**
 * Posts `{ text, insight }`: Slack incoming webhooks display `text` (here the Insight JSON in a
 * code block) and refuse a payload without it; `insight` keeps the JSON whole for Workflow
 * Builder webhooks, which read named fields.
 */
export async function buildSlackWebhookRequest(deps: ActivityDeps, request: ActionRequest<'slack.webhook'>): Promise<PeerRequest> {
  const origin = originOf(request);
  const insight = await withStoredEnrichments(deps, origin, insightOf(request));
  const access = webhookAccess(deps, request);
  const json = insightJson(insight, { signals: true, records: false });
  const pretty = JSON.stringify(json, null, 2);
  const text = `${insight.readableId}: ${insight.name}\n\`\`\`${pretty.length > MAX_TEXT ? `${pretty.slice(0, MAX_TEXT)}\n…` : pretty}\`\`\``;
  const headers = { ...access.headers, 'content-type': 'application/json' };
  const body = JSON.stringify({ text, insight: json });
  return { origin, url: access.url, method: 'POST', headers, body, tls: access.tls, secrets: access.secrets };
}

/** Posts what {@link buildSlackWebhookRequest} builds, once per run and step. */
export function postSlackWebhookAction(deps: ActivityDeps) {
  return async function postSlackWebhook(request: ActionRequest<'slack.webhook'>): Promise<ActionOutputs['slack.webhook']> {
    const peerRequest = await buildSlackWebhookRequest(deps, request);
    return deliverOnce(deps, request, async () => ({ status: (await callPeer(peerRequest)).status }));
  };
}
