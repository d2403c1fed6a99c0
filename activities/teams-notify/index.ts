// teams.notify: the Insight summary sent to a Microsoft Teams incoming webhook, as a MessageCard or an Adaptive Card.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { deliverOnce, originOf, type ActivityDeps } from '../deps';
import { callPeer, type PeerRequest } from '../http';
import { insightOf, webhookAccess } from '../insight/insight';
import { insightSummary, type InsightSummary } from '../insight/summary';

const THEME_BY_SEVERITY = { LOW: '808080', MEDIUM: 'FFC000', HIGH: 'FF4500', CRITICAL: 'C00000' } as const;

function messageCard(s: InsightSummary): object {
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: s.title,
    themeColor: THEME_BY_SEVERITY[s.severity],
    title: s.title,
    sections: [{ facts: [{ name: 'Entity', value: s.entity }, { name: 'MITRE tactics', value: s.tactics.join(', ') || 'none' }, { name: 'Severity', value: s.severity }] }],
    ...(s.link ? { potentialAction: [{ '@type': 'OpenUri', name: 'Open the Insight', targets: [{ os: 'default', uri: s.link }] }] } : {}),
  };
}

function adaptiveCard(s: InsightSummary): object {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: s.title, weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'FactSet', facts: [{ title: 'Entity', value: s.entity }, { title: 'MITRE tactics', value: s.tactics.join(', ') || 'none' }, { title: 'Severity', value: s.severity }] },
          ],
          ...(s.link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open the Insight', url: s.link }] } : {}),
        },
      },
    ],
  };
}

/** The card's POST to the webhook URL of the step's http connection. */
export function buildTeamsRequest(deps: ActivityDeps, request: ActionRequest<'teams.notify'>): PeerRequest {
  const origin = originOf(request);
  const summary = insightSummary(insightOf(request));
  const access = webhookAccess(deps, request);
  const card = request.params.card === 'adaptive' ? adaptiveCard(summary) : messageCard(summary);
  const headers = { ...access.headers, 'content-type': 'application/json' };
  return { origin, url: access.url, method: 'POST', headers, body: JSON.stringify(card), tls: access.tls, secrets: access.secrets };
}

/** Posts the card {@link buildTeamsRequest} builds, once per run and step. */
export function notifyTeamsAction(deps: ActivityDeps) {
  return async function notifyTeams(request: ActionRequest<'teams.notify'>): Promise<ActionOutputs['teams.notify']> {
    const peerRequest = buildTeamsRequest(deps, request);
    return deliverOnce(deps, request, async () => ({ status: (await callPeer(peerRequest)).status }));
  };
}
