// pagerduty.trigger: a PagerDuty Events API v2 trigger with the Insight summary, deduplicated on the Insight id.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { originOf, type ActivityDeps } from '../deps';
import { callPeer, type PeerRequest } from '../http';
import { apiKeyAccess, insightOf, joinUrl } from '../insight/insight';
import { insightSummary } from '../insight/summary';

const SEVERITY = { LOW: 'info', MEDIUM: 'warning', HIGH: 'error', CRITICAL: 'critical' } as const;

/**
 * Sends `POST /v2/enqueue` with the connection's key as routing (service) key. The Insight id is
 * the dedup key, so a retried or repeated trigger for one Insight adds to the open alert instead
 * of opening a second incident.
 */
export function buildPagerdutyRequest(deps: ActivityDeps, request: ActionRequest<'pagerduty.trigger'>): PeerRequest {
  const origin = originOf(request);
  const insight = insightOf(request);
  const summary = insightSummary(insight);
  const p = request.params;
  const access = apiKeyAccess(deps, request, 'https://events.pagerduty.com');
  const event = {
    routing_key: access.key,
    event_action: 'trigger',
    dedup_key: insight.id,
    payload: {
      summary: `${summary.title} on ${summary.entity}`.slice(0, 1024),
      source: insight.entity.value,
      severity: p.severity ?? SEVERITY[insight.severity],
      timestamp: insight.created,
      component: insight.entity.entityType,
      class: summary.tactics.join(', ') || undefined,
      custom_details: { insight: summary.title, entity: summary.entity, mitre_tactics: summary.tactics, severity: insight.severity, link: summary.link },
    },
    client: 'riposte',
    ...(p.subdomain ? { client_url: `https://${p.subdomain}.pagerduty.com/alerts` } : {}),
    ...(summary.link ? { links: [{ href: summary.link, text: `Insight ${insight.readableId}` }] } : {}),
  };
  const headers = { ...access.headers, 'content-type': 'application/json' };
  return { origin, url: joinUrl(access.base, '/v2/enqueue'), method: 'POST', headers, body: JSON.stringify(event), tls: access.tls, secrets: access.secrets };
}

/** Sends the event {@link buildPagerdutyRequest} builds. */
export function triggerPagerdutyAction(deps: ActivityDeps) {
  return async function triggerPagerduty(request: ActionRequest<'pagerduty.trigger'>): Promise<ActionOutputs['pagerduty.trigger']> {
    const response = await callPeer(buildPagerdutyRequest(deps, request));
    const answered = (response.json as { dedup_key?: unknown } | undefined)?.dedup_key;
    return { dedupKey: typeof answered === 'string' ? answered : insightOf(request).id, status: response.status };
  };
}
