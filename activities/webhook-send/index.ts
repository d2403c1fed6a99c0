// webhook.send: an HTTP request from protocol, host, port, method, path, query, auth, headers, body and TLS options.
import { ApplicationFailure } from '@temporalio/activity';
import type { ActionOutputs, ActionRequest } from '../../dsl';
import type { HttpConnection } from '../../config/config';
import { actionFailure } from '../shared/errors';
import { originOf, type ActivityDeps } from '../shared/deps';
import { callPeer, type PeerRequest, type PeerTls } from '../shared/http';
import { isSecretRef, rememberSecretUrl, resolveSecret } from '../shared/secrets';

type Auth = NonNullable<ActionRequest<'webhook.send'>['params']['auth']> | NonNullable<HttpConnection['auth']>;

/** The Authorization (or named) header of an auth setting; values from the step were resolved by the trust rule already. */
function authHeader(auth: Auth, fromConnection: string | undefined, secrets: string[]): [string, string] {
  const value = (v: string, field: string) => (fromConnection ? resolveSecret(v, `connections.${fromConnection}.auth.${field}`) : v);
  const keep = (s: string) => (secrets.push(s), s);
  switch (auth.type) {
    case 'basic': {
      const password = keep(value(auth.password, 'password'));
      const encoded = keep(Buffer.from(`${auth.username}:${password}`).toString('base64'));
      return ['authorization', `Basic ${encoded}`];
    }
    case 'bearer':
      return ['authorization', `Bearer ${keep(value(auth.token, 'token'))}`];
    case 'header':
      return [auth.name.toLowerCase(), keep(value(auth.value, 'value'))];
  }
}

/** A `.` or `..` segment, written plainly or percent-encoded: URL parsers resolve both. */
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/**
 * The request URL: the origin from the connection or the chain, the step's path below the
 * connection's base path, the query from `with.query`. Tokens in the path arrive percent-encoded
 * (the field renders with `uri` escaping), and whatever the path holds, the URL never leaves the
 * origin or the base path.
 */
function requestUrl(p: ActionRequest<'webhook.send'>['params'], connectionUrl: URL | undefined, credentialed: boolean, origin: string): URL {
  const base = connectionUrl ? new URL(connectionUrl.href) : new URL(`${p.protocol ?? 'https'}://${p.host}`);
  if (p.protocol) base.protocol = `${p.protocol}:`;
  if (p.host) base.hostname = p.host;
  if (p.port) base.port = String(p.port);
  if (connectionUrl && credentialed && base.origin !== connectionUrl.origin) {
    throw actionFailure('ActionInputError', `${origin}: the step sends to ${base.origin}, not to the connection's origin ${connectionUrl.origin}: a connection's credentials go only to its own origin; name a connection for ${base.origin} instead`);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const [pathPart, ...rest] = p.path.split(/(?=[?#])/);
  if (DOT_SEGMENT.test(pathPart)) throw actionFailure('ActionInputError', `${origin}: with.path: "." and ".." segments are refused; they would leave the connection's base path`);
  const joined = `${basePath}/${pathPart.replace(/^\/+/, '')}${rest.join('')}`;
  const url = new URL(joined, base.origin);
  for (const [key, value] of base.searchParams) if (!url.searchParams.has(key)) url.searchParams.append(key, value);
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) {
    throw actionFailure('ActionInputError', `${origin}: with.path leaves the connection's base path`);
  }
  for (const [key, value] of Object.entries(p.query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
  }
  url.hash = '';
  return url;
}

/**
 * The request exactly as it goes out: the step sends it, and the dry run shows it. The
 * Idempotency-Key header lets the peer drop a retried delivery.
 */
export function buildWebhookRequest(deps: ActivityDeps, request: ActionRequest<'webhook.send'>): PeerRequest {
  const origin = originOf(request);
  const p = request.params;
  let connection: HttpConnection | undefined;
  if (request.connection) {
    const found = deps.config.connections[request.connection];
    if (!found) throw actionFailure('ConnectionConfigError', `${origin}: connection "${request.connection}" is not configured on this worker`);
    if (found.type !== 'http') throw actionFailure('ConnectionConfigError', `${origin}: connection "${request.connection}" is of type ${found.type}, not http`);
    connection = found;
  }
  const secrets: string[] = [];
  let connectionUrl: URL | undefined;
  if (connection) {
    try {
      connectionUrl = new URL(resolveSecret(connection.url, `connections.${request.connection}.url`));
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      throw actionFailure('ConnectionConfigError', `${origin}: connections.${request.connection}.url is not a URL`);
    }
    if (isSecretRef(connection.url)) rememberSecretUrl(connectionUrl);
  }
  let url: URL;
  try {
    url = requestUrl(p, connectionUrl, Boolean(connection?.auth || Object.keys(connection?.headers ?? {}).length > 0 || connectionUrl?.username || connectionUrl?.search || (connection && isSecretRef(connection.url))), origin);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw actionFailure('ActionInputError', `${origin}: cannot build the URL: ${(err as Error).message}`);
  }

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(connection?.headers ?? {})) headers[k.toLowerCase()] = resolveSecret(v, `connections.${request.connection}.headers.${k}`);
  for (const [k, v] of Object.entries(p.headers ?? {})) headers[k.toLowerCase()] = v;
  const auth = p.auth ?? connection?.auth;
  if (auth) {
    const [name, value] = authHeader(auth, p.auth ? undefined : request.connection, secrets);
    headers[name] = value;
  }
  headers['idempotency-key'] = request.idempotencyKey;
  headers['user-agent'] ??= 'riposte';

  let body: string | undefined;
  // Any method may carry a body, GET included: Elasticsearch and OpenSearch take their search queries as a GET with a body.
  if (p.body !== undefined) {
    if (typeof p.body === 'string') {
      body = p.body;
      headers['content-type'] ??= p.contentType ?? 'text/plain; charset=utf-8';
    } else {
      body = JSON.stringify(p.body);
      headers['content-type'] ??= p.contentType ?? 'application/json';
    }
  }

  const connTls = connection?.tls;
  const tls: PeerTls = {
    verify: p.tls?.verify ?? connTls?.verify ?? true,
    ca: p.tls?.caFile ?? connTls?.caFile,
    cert: connTls?.certFile,
    key: connTls?.keyFile,
    servername: p.tls?.servername ?? connTls?.servername,
  };
  return { origin, network: deps.config.network, url, method: p.method, headers, body, tls, secrets: secrets.filter(Boolean) };
}

/** Sends the request {@link buildWebhookRequest} builds. */
export function sendWebhookAction(deps: ActivityDeps) {
  return async function sendWebhook(request: ActionRequest<'webhook.send'>): Promise<ActionOutputs['webhook.send']> {
    const response = await callPeer(buildWebhookRequest(deps, request));
    const text = response.text.length > 65_536 ? `${response.text.slice(0, 65_536)}…` : response.text;
    return { status: response.status, body: response.json ?? text };
  };
}
