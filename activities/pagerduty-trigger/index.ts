// pagerduty.trigger: a PagerDuty Events API v2 trigger with the Insight summary, deduplicated on the Insight id.
import crypto from 'node:crypto';
import type { ActionOutputs, ActionRequest, InsightView } from '../../dsl';
import { actionFailure } from '../shared/errors';
import { originOf, type ActivityDeps } from '../shared/deps';
import { callPeer, type PeerRequest } from '../shared/http';
import { apiKeyAccess, insightOf, joinUrl } from '../shared/insight/insight';
import { insightSummary } from '../shared/insight/summary';
import { utcTimestamp } from '../shared/insight/time';
import { httpUrl } from '../shared/insight/urls';

const SEVERITY: Record<string, 'info' | 'warning' | 'error' | 'critical'> = { LOW: 'info', MEDIUM: 'warning', HIGH: 'error', CRITICAL: 'critical' };

/**
 * Limits of the Events API v2 (PagerDuty/developer-docs, events-API-v2/02-Trigger-Events.md and
 * 01-Overview.md): `payload.summary` at most 1024 characters, `dedup_key` at most 255, a whole
 * event at most 512 KB.
 */
export const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255, eventBytes: 512 * 1024 } as const;

function clip(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** The Insight id, or a digest of it when it is longer than PagerDuty keeps (so two Insights never share a key). */
function dedupKeyOf(insight: InsightView): string {
  return insight.id.length <= PAGERDUTY_LIMITS.dedupKey ? insight.id : crypto.createHash('sha256').update(insight.id).digest('hex');
}

/** What the event needs besides the Insight: the chosen severity, and who sent it. */
export interface PagerdutyEventContext {
  severity?: 'critical' | 'error' | 'warning' | 'info';
  job: string;
  runId: string;
  /** The run's page in the Temporal UI, when known. */
  runUrl?: string;
}

/**
 * The `enqueue` body without its routing key. `client` and `client_url` name the sender, as the
 * Events API defines them ("the name / URL of the monitoring client that is triggering this
 * event"): riposte with the job and run, and the run's page (else the Insight's). The Insight's
 * link and the run's page also travel as `links`. A timestamp without a zone is read as UTC.
 */
export function pagerdutyEvent(insight: InsightView, context: PagerdutyEventContext): Record<string, unknown> {
  const summary = insightSummary(insight);
  const insightLink = httpUrl(summary.link);
  const runUrl = httpUrl(context.runUrl);
  const clientUrl = runUrl ?? insightLink;
  const links = [
    ...(insightLink ? [{ href: insightLink, text: `Insight ${insight.readableId}` }] : []),
    ...(runUrl ? [{ href: runUrl, text: `riposte run ${context.runId}` }] : []),
  ];
  const timestamp = utcTimestamp(insight.created ?? insight.timestamp);
  return {
    event_action: 'trigger',
    dedup_key: dedupKeyOf(insight),
    payload: {
      summary: clip(`${summary.title} on ${summary.entity}`, PAGERDUTY_LIMITS.summary),
      // Required and never empty: the entity value, else the Insight's readable id.
      source: clip(insight.entity.value || insight.readableId, PAGERDUTY_LIMITS.summary),
      severity: context.severity ?? SEVERITY[String(insight.severity)] ?? 'warning',
      ...(timestamp ? { timestamp } : {}),
      component: clip(insight.entity.entityType, PAGERDUTY_LIMITS.summary),
      ...(summary.tactics.length > 0 ? { class: clip(summary.tactics.join(', '), PAGERDUTY_LIMITS.summary) } : {}),
      custom_details: { insight: summary.title, entity: summary.entity, mitre_tactics: summary.tactics, severity: insight.severity, link: summary.link, job: context.job, run: context.runId },
    },
    client: `riposte (job ${context.job}, run ${context.runId})`,
    ...(clientUrl ? { client_url: clientUrl } : {}),
    ...(links.length > 0 ? { links } : {}),
  };
}

/**
 * `POST /v2/enqueue` with the connection's key as routing (service) key, as the step sends it and
 * the dry run shows it. The Insight id is the dedup key, so a retried or repeated trigger for one
 * Insight adds to the open alert instead of opening a second incident.
 */
export function buildPagerdutyRequest(deps: ActivityDeps, request: ActionRequest<'pagerduty.trigger'>): PeerRequest {
  const origin = originOf(request);
  const insight = insightOf(request);
  const access = apiKeyAccess(deps, request, 'https://events.pagerduty.com');
  const fields = pagerdutyEvent(insight, { severity: request.params.severity, job: request.job.name, runId: request.run.id, runUrl: request.run.url });
  const body = JSON.stringify({ routing_key: access.key, ...fields });
  if (Buffer.byteLength(body) > PAGERDUTY_LIMITS.eventBytes) {
    throw actionFailure('ActionInputError', `${origin}: the PagerDuty event is ${Buffer.byteLength(body)} bytes, above the Events API's 512 KB limit`);
  }
  const headers = { ...access.headers, 'content-type': 'application/json' };
  return { origin, network: deps.config.network, url: joinUrl(access.base, '/v2/enqueue'), method: 'POST', headers, body, tls: access.tls, secrets: access.secrets };
}

/** Sends the event {@link buildPagerdutyRequest} builds. */
export function triggerPagerdutyAction(deps: ActivityDeps) {
  return async function triggerPagerduty(request: ActionRequest<'pagerduty.trigger'>): Promise<ActionOutputs['pagerduty.trigger']> {
    const response = await callPeer(buildPagerdutyRequest(deps, request));
    const answered = (response.json as { dedup_key?: unknown } | undefined)?.dedup_key;
    return { dedupKey: typeof answered === 'string' ? answered : dedupKeyOf(insightOf(request)), status: response.status };
  };
}
