// What every Insight action shares: the Insight of the run's trigger as sent and its view, its JSON forms, and the named connections.
import { insightView, readInsight, type ActionRequest, type Insight, type InsightView } from '../../../dsl';
import type { ApiKeyConnection, AwsConnection, Connection, HttpConnection } from '../../../config/config';
import { actionFailure } from '../errors';
import { originOf, type ActivityDeps } from '../deps';
import type { PeerTls } from '../http';
import { resolveSecret } from '../secrets';

/**
 * The Insight the run was started with, exactly as the SIEM sent it. A run not started by an
 * Insight event fails without retrying: there is nothing to send, and trying again will not
 * change that.
 */
export function vendorInsightOf(request: ActionRequest): Insight {
  const origin = originOf(request);
  const trigger = request.trigger;
  if (!trigger || !String(trigger.type).startsWith('insight.') || trigger.insight === undefined) {
    throw actionFailure('ActionInputError', `${origin}: this action sends an Insight, but the run was started by a ${trigger?.type ?? 'manual'} trigger; start the job from an Insight event (insight.created, insight.closed or insight.on_demand)`);
  }
  const reading = readInsight(trigger.insight);
  if (!reading.ok) {
    const first = reading.problems[0];
    throw actionFailure('ActionInputError', `${origin}: the trigger's Insight is malformed: ${['insight', ...first.path].join('.')}: ${first.message}`);
  }
  return reading.insight;
}

/**
 * The view of the run's Insight that summaries read (entity, severity, tactic names, link). The
 * link is the one the intake built from `cloudSiem.url` when the event came in (`trigger.insightView`),
 * so that every step of a run, and its templates, show the same one.
 */
export function insightOf(request: ActionRequest): InsightView {
  const view = insightView(vendorInsightOf(request));
  const given = (request.trigger?.insightView as { link?: unknown } | undefined)?.link;
  return typeof given === 'string' && /^https?:\/\//i.test(given) ? { ...view, link: given } : view;
}

/** How much of the Insight a notification carries. */
export interface InsightJsonOptions {
  signals: boolean;
  records: boolean;
  /** Only these Record fields, when given. */
  recordFields?: readonly string[];
}

function pickFields(record: unknown, fields: readonly string[] | undefined): unknown {
  if (!fields || typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const r = record as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => Object.prototype.hasOwnProperty.call(r, f)).map((f) => [f, r[f]]));
}

/**
 * The Insight as JSON for a peer, under the vendor's own field names: the Insight as sent, less
 * what the options leave out. Without `signals` the `signals` field is removed; without `records`
 * every Signal loses its `allRecords`, where Cloud SIEM carries the Records; `recordFields`
 * keeps only those fields of each Record. Nothing else is renamed, added or moved.
 */
export function insightJson(insight: Insight, options: InsightJsonOptions): Record<string, unknown> {
  // Rebuilt entry by entry so that the fields keep the order the vendor sent them in.
  const signal = (s: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(s)
        .filter(([k]) => options.records || k !== 'allRecords')
        .map(([k, v]) => [k, k === 'allRecords' && Array.isArray(v) ? v.map((r) => pickFields(r, options.recordFields)) : v]),
    );
  return Object.fromEntries(
    Object.entries(insight)
      .filter(([k]) => options.signals || k !== 'signals')
      .map(([k, v]) => [k, k === 'signals' && Array.isArray(v) ? v.map((s) => (typeof s === 'object' && s !== null ? signal(s as Record<string, unknown>) : s)) : v]),
  );
}

type ConnectionOf<T extends Connection['type']> = Extract<Connection, { type: T }>;

/** The step's named connection, checked to be of `type`. */
export function connectionOf<T extends Connection['type']>(deps: ActivityDeps, request: ActionRequest, type: T): ConnectionOf<T> {
  const origin = originOf(request);
  const name = request.connection;
  if (!name) throw actionFailure('ConnectionConfigError', `${origin}: name a connection of type ${type} (connection field of the step)`);
  const found = deps.config.connections[name];
  if (!found) throw actionFailure('ConnectionConfigError', `${origin}: connection "${name}" is not configured on this worker`);
  if (found.type !== type) throw actionFailure('ConnectionConfigError', `${origin}: connection "${name}" is of type ${found.type}, not ${type}`);
  return found as ConnectionOf<T>;
}

export type { ApiKeyConnection, AwsConnection, HttpConnection };

/** Joins a base URL and a path, keeping the base's own path (`https://x/api` + `/v2/a` = `https://x/api/v2/a`). */
export function joinUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  return url;
}

/** What an apikey connection resolves to inside an activity. */
export interface ApiKeyAccess {
  base: string;
  key: string;
  headers: Record<string, string>;
  tls: PeerTls;
  /** Resolved secrets, to mask in any failure message. */
  secrets: string[];
}

/** Resolves the step's apikey connection: key, base URL (the vendor's by default), headers, client certificate. */
export function apiKeyAccess(deps: ActivityDeps, request: ActionRequest, defaultUrl?: string): ApiKeyAccess {
  const c = connectionOf(deps, request, 'apikey');
  const where = `connections.${request.connection}`;
  const key = resolveSecret(c.key, `${where}.key`);
  const base = c.url ?? defaultUrl;
  if (!base) throw actionFailure('ConnectionConfigError', `${originOf(request)}: connection "${request.connection}" needs a url (the API endpoint)`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers ?? {})) headers[k.toLowerCase()] = resolveSecret(v, `${where}.headers.${k}`);
  const tls: PeerTls = { verify: c.tls?.verify ?? true, ca: c.tls?.caFile, cert: c.tls?.certFile, key: c.tls?.keyFile, servername: c.tls?.servername };
  return { base, key, headers, tls, secrets: [key] };
}

/** Resolves the step's http connection to its URL (a webhook URL is itself a secret) and headers. */
export function webhookAccess(deps: ActivityDeps, request: ActionRequest): { url: URL; headers: Record<string, string>; tls: PeerTls; secrets: string[] } {
  const c = connectionOf(deps, request, 'http');
  const where = `connections.${request.connection}`;
  const raw = resolveSecret(c.url, `${where}.url`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw actionFailure('ConnectionConfigError', `${originOf(request)}: ${where}.url is not a URL`);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers ?? {})) headers[k.toLowerCase()] = resolveSecret(v, `${where}.headers.${k}`);
  const tls: PeerTls = { verify: c.tls?.verify ?? true, ca: c.tls?.caFile, cert: c.tls?.certFile, key: c.tls?.keyFile, servername: c.tls?.servername };
  // The path and query of a webhook URL carry its token: keep them out of messages.
  return { url, headers, tls, secrets: [url.pathname.length > 1 ? url.pathname : '', url.search.slice(1)].filter(Boolean) };
}
