// The outbound network policy: its entries, and the one pure decision on a destination. Configuration checks entries here; connectors enforce it (activities/shared/network.ts).
import ipaddr from 'ipaddr.js';

/** Where HTTP actions go through a proxy: from `network.proxy`, or HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
export interface ProxyRoutes {
  /** The proxy for `http:` destinations. */
  http?: string;
  /** The proxy for `https:` destinations. */
  https?: string;
  /** NO_PROXY: host names (and `.domain` suffixes) reached directly. */
  noProxy?: string;
}

/** The policy as configured (`network` in riposte.config.json, with the environment applied). */
export interface NetworkPolicy {
  /** Addresses, CIDR ranges and host names (`*.domain` too) exempt from the refusal of non-public addresses. */
  allow: readonly string[];
  /** When present, the only destinations reachable at all. */
  hosts?: readonly string[];
  proxy?: ProxyRoutes;
}

/** One place a connection goes: the host as written, its port, and the address it resolved to when known. */
export interface Destination {
  host: string;
  port: number;
  /** The address the connection goes to; omitted when a proxy resolves the host name. */
  address?: string;
  /** The connection is to the configured proxy itself: `hosts` does not apply, the address check does. */
  proxy?: boolean;
}

/** Why a destination is refused, with what would allow it. */
export interface Refusal {
  host: string;
  port: number;
  /** The refused address, in its canonical form. */
  address?: string;
  /** What kind of address it is (`loopback`, `link-local`, ...). */
  range?: string;
  /** The configuration key that would allow it, and the entry to add there. */
  key: 'network.allow' | 'network.hosts';
  entry: string;
  message: string;
}

/** The decision on one destination. */
export type Decision = { allowed: true } | { allowed: false; refusal: Refusal };

/** An IPv4 or IPv6 address. */
export type Address = ipaddr.IPv4 | ipaddr.IPv6;

type Entry =
  | { kind: 'address'; address: Address }
  | { kind: 'range'; range: [Address, number] }
  | { kind: 'name'; name: string }
  | { kind: 'suffix'; suffix: string };

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Lower case, without IPv6 brackets or a trailing dot: the form entries and destinations are compared in. */
export function normalHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.$/, '');
}

/** Parses an address in any form the resolver accepts (`2130706433`, `0x7f000001`, `::ffff:127.0.0.1`); IPv4-mapped IPv6 becomes IPv4. */
export function addressOf(text: string): Address | undefined {
  const host = normalHost(text);
  if (!ipaddr.isValid(host)) return undefined;
  try {
    return ipaddr.process(host);
  } catch {
    return undefined;
  }
}

function parseEntry(text: string): Entry | undefined {
  const host = normalHost(text.trim());
  if (host.includes('/')) {
    if (!ipaddr.isValidCIDR(host)) return undefined;
    const [base, bits] = ipaddr.parseCIDR(host);
    // An IPv4-mapped range (::ffff:10.0.0.0/104) is the IPv4 range it maps, as addresses are compared unmapped.
    if (base.kind() === 'ipv6' && (base as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return { kind: 'range', range: [(base as ipaddr.IPv6).toIPv4Address(), bits - 96] };
    return { kind: 'range', range: [base, bits] };
  }
  const address = addressOf(host);
  if (address) return { kind: 'address', address };
  if (host.startsWith('*.')) return HOST_NAME.test(host.slice(2)) ? { kind: 'suffix', suffix: host.slice(1) } : undefined;
  return HOST_NAME.test(host) ? { kind: 'name', name: host } : undefined;
}

/**
 * Says what is wrong with one `network.allow` / `network.hosts` entry, or undefined when it is an
 * address, a CIDR range, a host name or `*.domain`.
 */
export function networkEntryProblem(text: string): string | undefined {
  if (parseEntry(text)) return undefined;
  return `"${text}" is not an address (10.0.0.5, ::1), a CIDR range (10.20.0.0/16), a host name (api.example.org) or a wildcard domain (*.example.org)`;
}

interface CompiledPolicy {
  allow: Entry[];
  hosts?: Entry[];
}

// Policies are a few entries long and checked on every connection: parse each list once.
const compiled = new Map<string, CompiledPolicy>();

function compile(policy: NetworkPolicy): CompiledPolicy {
  const key = JSON.stringify([policy.allow, policy.hosts ?? null]);
  let found = compiled.get(key);
  if (!found) {
    const entries = (list: readonly string[]) => list.map(parseEntry).filter((e): e is Entry => e !== undefined);
    found = { allow: entries(policy.allow), ...(policy.hosts ? { hosts: entries(policy.hosts) } : {}) };
    if (compiled.size > 64) compiled.clear();
    compiled.set(key, found);
  }
  return found;
}

function sameAddress(a: Address, b: Address): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

function matches(entries: Entry[], name: string | undefined, address: Address | undefined): boolean {
  return entries.some((e) => {
    if (e.kind === 'name') return name === e.name;
    if (e.kind === 'suffix') return name !== undefined && name.endsWith(e.suffix) && name.length > e.suffix.length;
    if (!address) return false;
    if (e.kind === 'address') return sameAddress(e.address, address);
    return address.kind() === e.range[0].kind() && address.match(e.range);
  });
}

const METADATA = ipaddr.parse('169.254.169.254');

/** The words a refusal uses for an address range; every range but ordinary unicast is refused. */
function rangeName(address: Address): string | undefined {
  const range: string = address.range();
  switch (range) {
    case 'unicast':
      return undefined;
    case 'linkLocal':
      return sameAddress(address, METADATA) ? 'link-local, the cloud metadata service' : 'link-local';
    case 'uniqueLocal':
      return 'private, unique local';
    case 'carrierGradeNat':
      return 'CGNAT';
    case 'rfc6052':
      return 'NAT64';
    case 'rfc6145':
      return 'IPv4-translated';
    case 'teredo':
      return 'Teredo';
    case '6to4':
      return '6to4';
    case 'loopback':
    case 'private':
    case 'unspecified':
    case 'broadcast':
    case 'multicast':
    case 'reserved':
      return range;
    default:
      return `special-purpose, ${range}`;
  }
}

/** `host:port`, IPv6 hosts in brackets. */
export function shown(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The one decision of the policy, pure: may a connection to `destination` be made? `hosts`, when
 * set, must name the host (or, for address and CIDR entries, hold the address); then an address
 * that is not ordinary unicast (loopback, private, link-local with the metadata service, CGNAT,
 * unspecified, broadcast, multicast, reserved, and IPv6 forms embedding those) is refused unless
 * `allow` names the host or holds the address. The address is the resolved one, or the host itself
 * when it is an address in any notation. A refusal says what to add, and where.
 */
export function checkDestination(policy: NetworkPolicy, destination: Destination): Decision {
  const rules = compile(policy);
  const host = normalHost(destination.host);
  const literal = addressOf(host);
  const name = literal ? undefined : host;
  const address = destination.address !== undefined ? addressOf(destination.address) : literal;
  const what = destination.proxy ? 'the proxy' : 'destination';
  if (destination.address !== undefined && !address) {
    const message = `${what} ${shown(host, destination.port)} resolves to "${destination.address}", which is not an address, refused by the network policy`;
    return { allowed: false, refusal: { host, port: destination.port, key: 'network.allow', entry: host, message } };
  }
  if (rules.hosts && !destination.proxy && !matches(rules.hosts, name, address)) {
    const entry = name ?? address!.toString();
    const message = `${what} ${shown(host, destination.port)} is not in network.hosts, refused by the network policy; add "${entry}" to network.hosts in riposte.config.json`;
    return { allowed: false, refusal: { host, port: destination.port, ...(address ? { address: address.toString() } : {}), key: 'network.hosts', entry, message } };
  }
  if (!address) return { allowed: true };
  const range = rangeName(address);
  if (range === undefined || matches(rules.allow, name, address)) return { allowed: true };
  // A host name is the narrower thing to allow when one was written: it covers that name's addresses only.
  const entry = name ?? address.toString();
  const message = `${what} ${shown(host, destination.port)} resolves to ${address.toString()} (${range}), refused by the network policy; add "${entry}" to network.allow in riposte.config.json`;
  return { allowed: false, refusal: { host, port: destination.port, address: address.toString(), range, key: 'network.allow', entry, message } };
}

