// http.post (HTTP POST v2): the Insight as the Cloud SIEM API returns it, optionally with Signals and Records, posted to an allowed destination port.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { destinationPort, insightEnvelope } from '../../dsl';
import { allowedPorts } from '../../config/config';
import { actionFailure } from '../shared/errors';
import { withStoredEnrichments } from '../shared/insight/enrichments';
import { originOf, type ActivityDeps } from '../shared/deps';
import { callPeer, type PeerRequest, type PeerTls } from '../shared/http';
import { connectionOf, insightJson, vendorInsightOf } from '../shared/insight/insight';
import { resolveSecret } from '../shared/secrets';

/**
 * The POST exactly as it goes out (the step sends it, the dry run shows it): the Insight as
 * `GET /sec/v1/insights/{id}` answers it, `{ "data": <Insight>, "errors": [] }`; Sumo Logic says the
 * POST is "the same as the JSON output from the /insight/:id API endpoint". The port is checked
 * again here because a URL built from tokens escapes validation.
 */
export async function buildInsightPost(deps: ActivityDeps, request: ActionRequest<'http.post'>): Promise<PeerRequest> {
  const origin = originOf(request);
  const insight = await withStoredEnrichments(deps, origin, vendorInsightOf(request));
  const p = request.params;
  const connection = request.connection ? connectionOf(deps, request, 'http') : undefined;
  const where = `connections.${request.connection}`;
  const secrets: string[] = [];
  const rawUrl = p.url ?? (connection ? resolveSecret(connection.url, `${where}.url`) : undefined);
  if (!rawUrl) throw actionFailure('ActionInputError', `${origin}: with.url: give the URL, or name an http connection that holds it`);
  let url: URL;
  try {
    url = new URL(rawUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http or https');
  } catch {
    throw actionFailure('ActionInputError', `${origin}: with.url: not an http:// or https:// URL`);
  }
  const port = destinationPort(url.href) ?? 0;
  const allowed = allowedPorts(deps.config);
  if (!allowed.includes(port)) {
    throw actionFailure('ActionInputError', `${origin}: with.url: port ${port} is not an allowed destination port (${allowed.join(', ')}); use one of them, or add it to "allowedPorts" in riposte.config.json`);
  }
  if (!p.url) secrets.push(url.pathname.length > 1 ? url.pathname : '', url.search.slice(1));
  if (p.url && connection?.url) {
    // A connection's credentials, headers and client certificate go only to its own origin, as for webhook.send.
    const own = new URL(resolveSecret(connection.url, `${where}.url`)).origin;
    if (url.origin !== own) {
      throw actionFailure('ActionInputError', `${origin}: with.url sends to ${url.origin}, not to the connection's origin ${own}: a connection's credentials go only to its own origin; name a connection for ${url.origin}, or drop with.url`);
    }
  }

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(connection?.headers ?? {})) headers[k.toLowerCase()] = resolveSecret(v, `${where}.headers.${k}`);
  for (const [k, v] of Object.entries(p.headers ?? {})) headers[k.toLowerCase()] = v;
  const basic = p.username
    ? { username: p.username, password: p.password ?? '' }
    : connection?.auth?.type === 'basic'
      ? { username: connection.auth.username, password: resolveSecret(connection.auth.password, `${where}.auth.password`) }
      : undefined;
  if (basic) {
    const encoded = Buffer.from(`${basic.username}:${basic.password}`).toString('base64');
    secrets.push(basic.password, encoded);
    headers.authorization = `Basic ${encoded}`;
  } else if (connection?.auth?.type === 'bearer') {
    const token = resolveSecret(connection.auth.token, `${where}.auth.token`);
    secrets.push(token);
    headers.authorization = `Bearer ${token}`;
  }
  headers['content-type'] = 'application/json';
  headers['idempotency-key'] = request.idempotencyKey;
  headers['user-agent'] ??= 'riposte';
  const body = JSON.stringify(insightEnvelope(insightJson(insight, { signals: p.includeSignals, records: p.includeRecords, recordFields: p.recordFields })));
  const c = connection?.tls;
  const tls: PeerTls = { verify: c?.verify ?? true, ca: c?.caFile, cert: c?.certFile, key: c?.keyFile, servername: c?.servername };
  return { origin, network: deps.config.network, url, method: 'POST', headers, body, tls, secrets: secrets.filter(Boolean) };
}

/** Posts the Insight as {@link buildInsightPost} builds it. */
export function postInsightAction(deps: ActivityDeps) {
  return async function postInsight(request: ActionRequest<'http.post'>): Promise<ActionOutputs['http.post']> {
    const response = await callPeer(await buildInsightPost(deps, request));
    return { status: response.status };
  };
}
