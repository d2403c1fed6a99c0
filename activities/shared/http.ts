// The one HTTP client every connector uses: undici, TLS options, the network policy, and the failure table (4xx but 408/429 not retried; 408, 429, 5xx and network faults retried, at Retry-After when given).
import fs from 'node:fs';
import net from 'node:net';
import { Agent, buildConnector, EnvHttpProxyAgent, Pool, request, type Dispatcher } from 'undici';
import { actionFailure } from './errors';
import { checkDestination, checkProxiedTarget, destinationRefused, NetworkPolicyRefusal, policyLookup, refusalIn, type NetworkPolicy } from './network';
import { maskSecrets, rememberSecret } from './secrets';

/** TLS settings for one peer. Verification stays on unless `verify` is false. */
export interface PeerTls {
  verify?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

/** A request to a peer, with what the failure message needs to say where it came from. */
export interface PeerRequest {
  /** `step "id" (action)`: prefixes every failure message. */
  origin: string;
  url: URL;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  tls?: PeerTls;
  /** The worker's outbound network policy (`deps.config.network`): every connection is checked against it. */
  network: NetworkPolicy;
  /** Values to mask in anything the failure says (resolved secrets). */
  secrets?: readonly string[];
  /** Non-2xx statuses that are an answer rather than a failure (a lookup's 404). */
  accept?: readonly number[];
}

/** A peer's answer. */
export interface PeerResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON when the peer said it is JSON. */
  json?: unknown;
}

const agents = new Map<string, Dispatcher>();

function readPem(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value.includes('-----BEGIN') ? value : fs.readFileSync(value, 'utf8');
}

/**
 * An undici connector that opens only connections the policy allows: an address is checked before
 * connecting (Node does not look addresses up), a host name through the socket's `lookup`, which
 * checks every address it resolves and connects to those, so the checked address is the connected one.
 */
function policyConnector(policy: NetworkPolicy, options: buildConnector.BuildOptions, role: { proxy?: boolean } = {}): buildConnector.connector {
  const byPort = new Map<number, buildConnector.connector>();
  return (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    if (net.isIP(opts.hostname)) {
      const decision = checkDestination(policy, { host: opts.hostname, port, ...role });
      if (!decision.allowed) {
        process.nextTick(() => callback(new NetworkPolicyRefusal(decision.refusal), null));
        return;
      }
    }
    let connector = byPort.get(port);
    if (!connector) {
      connector = buildConnector({ ...options, lookup: policyLookup(policy, port, role) } as buildConnector.BuildOptions);
      byPort.set(port, connector);
    }
    connector(opts, callback);
  };
}

/**
 * One dispatcher per TLS setting and policy. Redirects are never followed (undici's request does not
 * unless asked): a 3xx is the peer's answer, so a peer cannot send riposte on to another destination.
 * With a proxy, undici's EnvHttpProxyAgent tunnels through it (NO_PROXY honoured); the connection to
 * the proxy is checked like any other, except against `hosts`, and the target by callPeer.
 */
function dispatcherFor(tls: PeerTls | undefined, network: NetworkPolicy): Dispatcher {
  const key = JSON.stringify([tls ?? {}, network]);
  let agent = agents.get(key);
  if (!agent) {
    const tlsOptions = {
      rejectUnauthorized: tls?.verify !== false,
      ca: readPem(tls?.ca),
      cert: readPem(tls?.cert),
      key: readPem(tls?.key),
      servername: tls?.servername,
    };
    const connect = policyConnector(network, tlsOptions);
    const proxy = network.proxy;
    agent = proxy
      ? new EnvHttpProxyAgent({
          keepAliveTimeout: 10_000,
          connect,
          // Explicit values, never undefined: undici would read the process environment instead.
          httpProxy: proxy.http ?? '',
          httpsProxy: proxy.https ?? '',
          noProxy: proxy.noProxy ?? '',
          // ProxyAgent's own options, which EnvHttpProxyAgent hands on: TLS to the target inside the
          // tunnel, and the connection to the proxy through the policy.
          requestTls: tlsOptions,
          clientFactory: (origin: URL, options: Pool.Options) => new Pool(origin, { ...options, connect: policyConnector(network, {}, { proxy: true }) }),
        } as EnvHttpProxyAgent.Options)
      : new Agent({ keepAliveTimeout: 10_000, connect });
    agents.set(key, agent);
  }
  return agent;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds, capped at one hour. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), 3_600_000);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TLS_CODES = /^(CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ERR_SSL_|ERR_OSSL_)/;

function headerMap(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Where the request went, for messages: method and origin, never the path or query, which may carry tokens. */
function target(req: PeerRequest): string {
  return `${req.method} ${req.url.origin}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

/**
 * Sends the request and classifies the answer: 2xx returns; 408, 429 and 5xx throw a retried
 * PeerUnavailableError (at Retry-After when given); other statuses throw PeerRejectedError;
 * network faults throw a retried PeerUnreachableError; TLS verification faults a ConnectionConfigError.
 */
export async function callPeer(req: PeerRequest): Promise<PeerResponse> {
  const secrets = req.secrets ?? [];
  rememberSecret(...secrets);
  const say = (text: string) => maskSecrets(text, secrets);
  // A value that cannot be sent is the input's fault, not the network's: refuse it at once rather than retry.
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (/[\r\n\0]|[^\u0000-\u00ff]/.test(value)) {
      throw actionFailure('ActionInputError', say(`${req.origin}: header ${name}: the value holds a line break, NUL or a character outside Latin-1, which an HTTP header cannot carry; send it in the body instead (a token's value is sent as it is, never split)`));
    }
  }
  if (/%00/.test(req.url.pathname)) {
    throw actionFailure('ActionInputError', `${req.origin}: ${target(req)}: the URL path holds a NUL character, which no peer accepts; remove it from the value`);
  }
  let response: Dispatcher.ResponseData;
  try {
    // Through a proxy the worker never connects to the target: check it here, by name and by what
    // the name resolves to on this side. Checked again at connect time when NO_PROXY sends it direct.
    if (req.url.protocol === 'https:' ? req.network.proxy?.https : req.network.proxy?.http) {
      await checkProxiedTarget(req.network, req.url.hostname, Number(req.url.port) || (req.url.protocol === 'https:' ? 443 : 80));
    }
    response = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: dispatcherFor(req.tls, req.network),
      headersTimeout: req.timeoutMs ?? 30_000,
      bodyTimeout: req.timeoutMs ?? 30_000,
    });
  } catch (err) {
    const refusal = refusalIn(err);
    if (refusal) throw destinationRefused(req.origin, refusal);
    const e = err as { code?: string; cause?: { code?: string }; message?: string };
    const code = e.code ?? e.cause?.code ?? '';
    if (code === 'UND_ERR_INVALID_ARG') throw actionFailure('ActionInputError', say(`${req.origin}: ${target(req)}: the request cannot be sent as it is: ${e.message ?? ''}`));
    if (TLS_CODES.test(code)) {
      throw actionFailure('ConnectionConfigError', say(`${req.origin}: ${target(req)}: TLS verification failed (${code}); give the peer's CA certificate (tls.caFile) rather than turning verification off`));
    }
    if (NETWORK_CODES.has(code) || /timeout/i.test(e.message ?? '')) {
      throw actionFailure('PeerUnreachableError', say(`${req.origin}: ${target(req)}: ${code || 'network error'}: ${e.message ?? ''}`.trim()));
    }
    throw actionFailure('PeerUnreachableError', say(`${req.origin}: ${target(req)}: ${e.message ?? String(err)}`));
  }
  const text = await response.body.text();
  const headers = headerMap(response.headers);
  const status = response.statusCode;
  if ((status >= 200 && status < 300) || req.accept?.includes(status)) {
    let json: unknown;
    if ((headers['content-type'] ?? '').includes('json') && text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status, headers, text, json };
  }
  const answer = say(`${req.origin}: ${target(req)} answered ${status}${text ? `: ${snippet(text)}` : ''}`);
  if (status === 408 || status === 429 || status >= 500) {
    throw actionFailure('PeerUnavailableError', answer, { nextRetryDelayMs: retryAfterMs(headers['retry-after']) });
  }
  throw actionFailure('PeerRejectedError', answer);
}
