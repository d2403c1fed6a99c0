// The dry run's real bytes: each action's request built by its connector's own builder, secrets masked; nothing is sent or written.
import { insightRecords, type ActionRequest, type ActivityActionName } from '../dsl';
import type { ActivityDeps } from './shared/deps';
import type { PeerRequest } from './shared/http';
import { maskKnownSecrets, rememberSecret } from './shared/secrets';
import { previewEmail } from './email-send';
import { indexWrite } from './events-index';
import { logLines } from './events-log';
import { incidentOf } from './incident-create';
import { mitreTagDocuments } from './mitre-tag';
import { mitreRiskDocuments } from './mitre-risk';
import { riskAssignDocument } from './risk-assign';
import { previewInsert } from './db-insert';
import { previewScript, type ScriptPreview } from './script-run';
import { buildWebhookRequest } from './webhook-send';
import { buildInsightPost } from './http-post';
import { buildXsoarRequest } from './xsoar-incident';
import { buildHipchatRequest } from './hipchat-notify';
import { buildTeamsRequest } from './teams-notify';
import { buildPagerdutyRequest } from './pagerduty-trigger';
import { buildSlackPostRequest } from './slack-post';
import { buildSlackWebhookRequest } from './slack-webhook';
import { indicatorsOf, lookupRequest } from './recordedfuture-enrich';
import { captureSnsPublish } from './sns-publish';
import { buildSyslogMessage } from './syslog-send';
import { apiKeyAccess, vendorInsightOf } from './shared/insight/insight';

/** One HTTP request as it goes out: method, full URL, the headers riposte sets and the body bytes (UTF-8). */
export interface HttpPreview {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What one execution of a step would put on the wire or into the store. */
export type WirePreview =
  | { kind: 'http'; requests: HttpPreview[]; note?: string }
  | { kind: 'email'; envelope: { from: string; to: string[] }; message: string }
  | { kind: 'sql'; driver: string; statements: { sql: string; values: unknown[] }[] }
  | ({ kind: 'script' } & ScriptPreview)
  | { kind: 'documents'; index: string; write: 'add' | 'merge'; documents: { id: string; body: Record<string, unknown> }[] }
  | { kind: 'incident'; index: string; title: string; severity: string; document: Record<string, unknown> }
  | { kind: 'log'; file: string; lines: string[] }
  | { kind: 'frame'; destination: string; frame: string };

/** The HTTP client adds these to every request by itself; the dry run names them rather than guessing their values. */
export const CLIENT_HEADERS_NOTE = 'the HTTP client adds host, connection and content-length';

function http(peer: PeerRequest): HttpPreview {
  // The builder's secrets join the worker-wide mask set, as callPeer would add them before sending.
  rememberSecret(...(peer.secrets ?? []));
  return { method: peer.method, url: peer.url.href, headers: { ...(peer.headers ?? {}) }, ...(peer.body !== undefined ? { body: peer.body.toString() } : {}) };
}

async function build(deps: ActivityDeps, request: ActionRequest<ActivityActionName>, now: Date, host: string | undefined): Promise<WirePreview> {
  switch (request.action) {
    case 'webhook.send':
      return { kind: 'http', requests: [http(buildWebhookRequest(deps, request as ActionRequest<'webhook.send'>))], note: CLIENT_HEADERS_NOTE };
    case 'http.post':
      return { kind: 'http', requests: [http(await buildInsightPost(deps, request as ActionRequest<'http.post'>))], note: CLIENT_HEADERS_NOTE };
    case 'xsoar.incident':
      return { kind: 'http', requests: [http(await buildXsoarRequest(deps, request as ActionRequest<'xsoar.incident'>))], note: CLIENT_HEADERS_NOTE };
    case 'hipchat.notify':
      return { kind: 'http', requests: [http(buildHipchatRequest(deps, request as ActionRequest<'hipchat.notify'>))], note: CLIENT_HEADERS_NOTE };
    case 'teams.notify':
      return { kind: 'http', requests: [http(buildTeamsRequest(deps, request as ActionRequest<'teams.notify'>))], note: CLIENT_HEADERS_NOTE };
    case 'pagerduty.trigger':
      return { kind: 'http', requests: [http(buildPagerdutyRequest(deps, request as ActionRequest<'pagerduty.trigger'>))], note: CLIENT_HEADERS_NOTE };
    case 'slack.post':
      return { kind: 'http', requests: [http(buildSlackPostRequest(deps, request as ActionRequest<'slack.post'>))], note: CLIENT_HEADERS_NOTE };
    case 'slack.webhook':
      return { kind: 'http', requests: [http(await buildSlackWebhookRequest(deps, request as ActionRequest<'slack.webhook'>))], note: CLIENT_HEADERS_NOTE };
    case 'recordedfuture.enrich': {
      const r = request as ActionRequest<'recordedfuture.enrich'>;
      const p = r.params;
      // The lookups the connector makes: indicators of the Records where Cloud SIEM puts them, each Signal's allRecords.
      const insight = vendorInsightOf(r);
      const records = insightRecords(insight);
      const access = apiKeyAccess(deps, r, 'https://api.recordedfuture.com');
      const wanted = [
        ...(p.enrichInsight ? indicatorsOf(records.map((x) => x.record), p.fields) : []),
        ...(p.enrichSignals ? (insight.signals ?? []).flatMap((s) => indicatorsOf(records.filter((x) => x.signalId === s.id).map((x) => x.record), p.fields)) : []),
      ];
      const unique = [...new Map(wanted.map((i) => [`${i.type}:${i.value}`, i])).values()];
      const origin = `step "${r.stepId}" (${r.action})`;
      return {
        kind: 'http',
        requests: unique.slice(0, p.maxLookups).map((i) => http(lookupRequest(deps.config.network, access, origin, i.type, i.value))),
        note: `one lookup per indicator, at most maxLookups (${p.maxLookups})${unique.length > p.maxLookups ? `: ${unique.length - p.maxLookups} more are skipped` : ''}; indicators answered from the cache (younger than ${p.cacheTtl}) are not looked up; ${CLIENT_HEADERS_NOTE}`,
      };
    }
    case 'sns.publish': {
      const captured = await captureSnsPublish(deps, request as ActionRequest<'sns.publish'>);
      const { note, ...req } = captured;
      return { kind: 'http', requests: [req], note: `built and signed by the AWS SDK; x-amz-date, the signature and amz-sdk-invocation-id differ at run time${note ? `; ${note}` : ''}` };
    }
    case 'email.send':
      return { kind: 'email', ...(await previewEmail(deps, request as ActionRequest<'email.send'>, now)) };
    case 'db.insert':
      return { kind: 'sql', ...(await previewInsert(deps, request as ActionRequest<'db.insert'>)) };
    case 'script.run':
      return { kind: 'script', ...previewScript(deps, request as ActionRequest<'script.run'>, host) };
    case 'events.index': {
      const w = indexWrite(request as ActionRequest<'events.index'>, now);
      return { kind: 'documents', index: w.index, write: w.write, documents: [{ id: w.id, body: w.body }] };
    }
    case 'mitre.tag':
      return { kind: 'documents', index: 'mitre', write: 'add', documents: mitreTagDocuments(request as ActionRequest<'mitre.tag'>, now) };
    case 'mitre.risk':
      return { kind: 'documents', index: 'risk', write: 'add', documents: mitreRiskDocuments(request as ActionRequest<'mitre.risk'>, now) };
    case 'risk.assign': {
      const r = request as ActionRequest<'risk.assign'>;
      return { kind: 'documents', index: r.params.index, write: 'add', documents: [riskAssignDocument(r, now)] };
    }
    case 'incident.create': {
      const i = incidentOf(request as ActionRequest<'incident.create'>);
      return { kind: 'incident', index: i.index, title: i.title, severity: i.severity, document: i.document };
    }
    case 'events.log': {
      const { file, lines } = await logLines(deps, request as ActionRequest<'events.log'>, now);
      return { kind: 'log', file, lines };
    }
    case 'syslog.send': {
      const m = buildSyslogMessage(deps, request as ActionRequest<'syslog.send'>, now);
      return { kind: 'frame', destination: m.target, frame: m.frame.toString('utf8') };
    }
  }
}

/**
 * What one execution would send or write, built by the same function the connector sends with, so
 * the bytes cannot differ. `request` is the checked request (secrets resolved where the chain wrote
 * them); every secret the worker knows is masked as `***` in the answer.
 */
export async function previewRequest(deps: ActivityDeps, request: ActionRequest<ActivityActionName>, options: { now?: Date; host?: string } = {}): Promise<WirePreview> {
  const preview = await build(deps, request, options.now ?? new Date(), options.host);
  return JSON.parse(maskKnownSecrets(JSON.stringify(preview))) as WirePreview;
}
