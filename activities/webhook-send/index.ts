// webhook.send: an HTTP request from protocol, host, port, method, path, query, auth, headers, body and TLS options.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import type { HttpConnection } from '../../worker/config';
import { actionFailure } from '../errors';
import { originOf, type ActivityDeps } from '../deps';
import { callPeer, type PeerTls } from '../http';
import { resolveSecret } from '../secrets';

type Auth = NonNullable<ActionRequest<'webhook.send'>['params']['auth']> | NonNullable<HttpConnection['auth']>;

function authHeader(auth: Auth, where: string, secrets: string[]): [string, string] {
  const keep = (s: string) => (secrets.push(s), s);
  switch (auth.type) {
    case 'basic': {
      const password = keep(resolveSecret(auth.password, `${where}.password`));
      const encoded = keep(Buffer.from(`${auth.username}:${password}`).toString('base64'));
      return ['authorization', `Basic ${encoded}`];
    }
    case 'bearer':
      return ['authorization', `Bearer ${keep(resolveSecret(auth.token, `${where}.token`))}`];
    case 'header':
      return [auth.name.toLowerCase(), keep(resolveSecret(auth.value, `${where}.value`))];
  }
}

/** Sends the request; the Idempotency-Key header lets the peer drop a retried delivery. */
export function sendWebhookAction(deps: ActivityDeps) {
  return async function sendWebhook(request: ActionRequest<'webhook.send'>): Promise<ActionOutputs['webhook.send']> {
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
    let url: URL;
    try {
      const base = connection ? new URL(resolveSecret(connection.url, `connections.${request.connection}.url`)) : new URL(`${p.protocol ?? 'https'}://${p.host}`);
      if (connection) secrets.push(base.pathname.length > 1 ? base.pathname : '', base.search.slice(1));
      if (p.protocol) base.protocol = `${p.protocol}:`;
      if (p.host) base.hostname = p.host;
      if (p.port) base.port = String(p.port);
      const joined = `${base.pathname.replace(/\/$/, '')}/${p.path.replace(/^\//, '')}`;
      url = new URL(joined + base.search, base.origin);
      for (const [key, value] of Object.entries(p.query ?? {})) {
        for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
      }
    } catch (err) {
      throw actionFailure('ActionInputError', `${origin}: cannot build the URL: ${(err as Error).message}`);
    }

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(connection?.headers ?? {})) headers[k.toLowerCase()] = resolveSecret(v, `connections.${request.connection}.headers.${k}`);
    for (const [k, v] of Object.entries(p.headers ?? {})) {
      const value = v.startsWith('env:') || v.startsWith('enc:v1:') ? resolveSecret(v, `${origin}: with.headers.${k}`) : v;
      if (value !== v) secrets.push(value);
      headers[k.toLowerCase()] = value;
    }
    const auth = p.auth ?? connection?.auth;
    if (auth) {
      const [name, value] = authHeader(auth, p.auth ? 'with.auth' : `connections.${request.connection}.auth`, secrets);
      headers[name] = value;
    }
    headers['idempotency-key'] = request.idempotencyKey;
    headers['user-agent'] ??= 'riposte';

    let body: string | undefined;
    if (p.body !== undefined) {
      if (p.method === 'GET') throw actionFailure('ActionInputError', `${origin}: a GET request carries no body; use POST or PUT, or move the values into with.query`);
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
    const response = await callPeer({ origin, network: deps.config.network, url, method: p.method, headers, body, tls, secrets: secrets.filter(Boolean) });
    const text = response.text.length > 65_536 ? `${response.text.slice(0, 65_536)}…` : response.text;
    return { status: response.status, body: response.json ?? text };
  };
}
