// What every Insight action shares: the Insight of the run's trigger, its JSON forms, and the named connections.
import { insightSchema, type ActionRequest, type Insight } from '../../dsl';
import type { ApiKeyConnection, AwsConnection, Connection, HttpConnection } from '../../worker/config';
import { actionFailure } from '../errors';
import { originOf, type ActivityDeps } from '../deps';
import type { PeerTls } from '../http';
import { resolveSecret } from '../secrets';

/**
 * The Insight the run was started with. A run not started by an Insight event fails without
 * retrying: there is nothing to send, and trying again will not change that.
 */
export function insightOf(request: ActionRequest): Insight {
  const origin = originOf(request);
  const trigger = request.trigger;
  if (!trigger || !String(trigger.type).startsWith('insight.') || trigger.insight === undefined) {
    throw actionFailure('ActionInputError', `${origin}: this action sends an Insight, but the run was started by a ${trigger?.type ?? 'manual'} trigger; start the job from an Insight event (insight.created, insight.closed or insight.on_demand)`);
  }
  const parsed = insightSchema.safeParse(trigger.insight);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw actionFailure('ActionInputError', `${origin}: the trigger's Insight is malformed: insight.${first.path.join('.')}: ${first.message}`);
  }
  return parsed.data;
}

/** How much of the Insight a notification carries. */
export interface InsightJsonOptions {
  signals: boolean;
  records: boolean;
  /** Only these Record fields, when given. */
  recordFields?: readonly string[];
}

function pickFields(record: Record<string, unknown>, fields: readonly string[] | undefined): Record<string, unknown> {
  if (!fields) return record;
  return Object.fromEntries(fields.filter((f) => Object.prototype.hasOwnProperty.call(record, f)).map((f) => [f, record[f]]));
}

/**
 * The Insight as JSON for a peer. Without `signals`, the Signals are left out; without `records`,
 * every Record is left out (the Insight's own and its Signals'). Records asked for without Signals
 * travel in the Insight's `records`, so they are not lost with their Signals.
 */
export function insightJson(insight: Insight, options: InsightJsonOptions): Record<string, unknown> {
  const { signals, records, ...rest } = insight;
  const out: Record<string, unknown> = { ...rest };
  const keep = (list: Record<string, unknown>[]) => list.map((r) => pickFields(r, options.recordFields));
  if (options.signals) {
    out.signals = signals.map((s) => {
      const { records: signalRecords, ...signal } = s;
      return options.records ? { ...signal, records: keep(signalRecords) } : signal;
    });
  }
  if (options.records) out.records = keep(options.signals ? records : [...records, ...signals.flatMap((s) => s.records)]);
  return out;
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
