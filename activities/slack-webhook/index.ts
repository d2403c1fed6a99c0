// slack.webhook: the Insight JSON posted to a Slack incoming webhook.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { withStoredEnrichments } from '../insight/enrichments';
import { deliverOnce, originOf, type ActivityDeps } from '../deps';
import { callPeer } from '../http';
import { insightJson, insightOf, vendorInsightOf, webhookAccess } from '../insight/insight';

/** Slack cuts message text at 40,000 characters. */
const MAX_TEXT = 39_000;

/**
 * Posts `{ text, insight }`: Slack incoming webhooks display `text` (here the Insight JSON in a
 * code block) and refuse a payload without it; `insight` keeps the JSON whole for Workflow
 * Builder webhooks, which read named fields.
 */
export function postSlackWebhookAction(deps: ActivityDeps) {
  return async function postSlackWebhook(request: ActionRequest<'slack.webhook'>): Promise<ActionOutputs['slack.webhook']> {
    const origin = originOf(request);
    const insight = await withStoredEnrichments(deps, origin, vendorInsightOf(request));
    const view = insightOf(request);
    const access = webhookAccess(deps, request);
    const json = insightJson(insight, { signals: true, records: false });
    const pretty = JSON.stringify(json, null, 2);
    const text = `${view.readableId}: ${view.name}\n\`\`\`${pretty.length > MAX_TEXT ? `${pretty.slice(0, MAX_TEXT)}\n…` : pretty}\`\`\``;
    const headers = { ...access.headers, 'content-type': 'application/json' };
    const body = JSON.stringify({ text, insight: json });
    return deliverOnce(deps, request, async () => ({ status: (await callPeer({ origin, url: access.url, method: 'POST', headers, body, tls: access.tls, secrets: access.secrets })).status }));
  };
}
