// Enforcing the outbound network policy on sockets and agents, checked on the address actually connected (the decision is config/network-policy.ts).
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { addressOf, checkDestination, normalHost, shown, type Destination, type NetworkPolicy, type Refusal } from '../../config/network-policy';
import { actionFailure } from './errors';

export { checkDestination, networkEntryProblem, type Decision, type Destination, type NetworkPolicy, type ProxyRoutes, type Refusal } from '../../config/network-policy';

/** A connection the policy refused; raised where a socket would have been opened, before any byte is sent. */
export class NetworkPolicyRefusal extends Error {
  readonly code = 'ERR_NETWORK_POLICY';
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'NetworkPolicyRefusal';
  }
}

/** The refusal behind an error, however deep a driver wrapped it. */
export function refusalIn(err: unknown): NetworkPolicyRefusal | undefined {
  for (let e = err, depth = 0; e && depth < 8; depth++) {
    if (e instanceof NetworkPolicyRefusal) return e;
    const errors = (e as { errors?: unknown[] }).errors;
    const inner = Array.isArray(errors) ? errors.find((x) => x instanceof NetworkPolicyRefusal) : undefined;
    if (inner) return inner as NetworkPolicyRefusal;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The step's failure for a refused destination: final, since only the configuration can change the answer. */
export function destinationRefused(origin: string, refusal: NetworkPolicyRefusal) {
  return actionFailure('DestinationRefusedError', `${origin}: ${refusal.message}`);
}

function refuseOrPass(policy: NetworkPolicy, destination: Destination): void {
  const decision = checkDestination(policy, destination);
  if (!decision.allowed) throw new NetworkPolicyRefusal(decision.refusal);
}

/**
 * A `lookup` for `net.connect` / `tls.connect` / http agents: resolves as dns.lookup does, checks
 * every address, and hands the socket only checked addresses, so what is connected is what was
 * checked (no second resolution, no rebinding window). Node skips `lookup` for an address literal:
 * check those with {@link checkDestination} before connecting.
 */
export function policyLookup(policy: NetworkPolicy, port: number, options: { proxy?: boolean } = {}): net.LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      try {
        for (const a of addresses) refuseOrPass(policy, { host: hostname, port, address: a.address, ...(options.proxy ? { proxy: true } : {}) });
      } catch (refusal) {
        return callback(refusal as NetworkPolicyRefusal, '');
      }
      if (lookupOptions.all) return callback(null, addresses);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * Resolves `host` and checks every address it has; returns the address to connect to (the first,
 * as dns.lookup orders them). For drivers that take an address and a TLS server name rather than a
 * lookup function: connect to the returned address and keep `host` as the TLS server name.
 */
export async function resolveChecked(policy: NetworkPolicy, host: string, port: number): Promise<string> {
  const literal = addressOf(host);
  if (literal) {
    refuseOrPass(policy, { host, port });
    // Connect to the canonical form: drivers hand `0x7f000001` to the resolver otherwise.
    return literal.toString();
  }
  const addresses = await dns.promises.lookup(host, { all: true });
  for (const a of addresses) refuseOrPass(policy, { host, port, address: a.address });
  if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  return addresses[0].address;
}

/**
 * Checks a destination a proxy will connect to on the worker's behalf: the host name against
 * `hosts`, an address literal against the address rules, and, when the worker can resolve the name
 * itself, each of its addresses (a name the worker cannot resolve is the proxy's to resolve).
 */
export async function checkProxiedTarget(policy: NetworkPolicy, host: string, port: number): Promise<void> {
  refuseOrPass(policy, { host, port });
  if (addressOf(host)) return;
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(normalHost(host), { all: true });
  } catch {
    return;
  }
  for (const a of addresses) refuseOrPass(policy, { host, port, address: a.address });
}

/**
 * Opens a TCP connection to `host` only where the policy allows: resolves and checks first, then
 * connects to the checked address. For clients with a socket hook (nodemailer's `getSocket`); TLS,
 * when any, is started by the client over this socket under the host's own name.
 */
export async function connectChecked(policy: NetworkPolicy, host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  const address = await resolveChecked(policy, host, port);
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(Object.assign(new Error(`connection to ${shown(host, port)} timed out`), { code: 'ETIMEDOUT' })));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

type CreateConnection = (options: http.ClientRequestArgs, callback: (err: Error | null, socket?: Duplex) => void) => Duplex | undefined;

/**
 * Node http and https agents whose every connection is checked: an address host before connecting,
 * a host name through `lookup` (what is connected is what was checked). For clients built on Node's
 * http module, such as the AWS SDK's NodeHttpHandler (`requestHandler: { httpAgent, httpsAgent }`).
 */
export function policyAgents(policy: NetworkPolicy): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const checked = (base: CreateConnection, defaultPort: number): CreateConnection =>
    function (this: http.Agent, options, callback) {
      const host = String(options.host ?? options.hostname ?? 'localhost');
      const port = Number(options.port) || defaultPort;
      if (net.isIP(normalHost(host))) {
        const decision = checkDestination(policy, { host, port });
        if (!decision.allowed) {
          process.nextTick(() => callback(new NetworkPolicyRefusal(decision.refusal)));
          return undefined;
        }
      }
      return base.call(this, { ...options, lookup: policyLookup(policy, port) }, callback);
    };
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const agents = httpAgent as unknown as { createConnection: CreateConnection };
  const secure = httpsAgent as unknown as { createConnection: CreateConnection };
  agents.createConnection = checked(agents.createConnection, 80);
  secure.createConnection = checked(secure.createConnection, 443);
  return { httpAgent, httpsAgent };
}
