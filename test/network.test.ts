// The outbound network policy: the decision over address forms, and real loopback peers that must (not) be reached.
import fs from 'node:fs';
import http from 'node:http';
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callPeer } from '../activities/shared/http';
import { checkDestination, networkEntryProblem, type NetworkPolicy } from '../activities/shared/network';
import { queryPostgres } from '../activities/search/postgres';
import { ConfigError, loadConfig } from '../config/config';
import { startHarness, startPeer, type Harness } from './helpers';
import { runForInsight } from './insight-fixtures';

const NONE: NetworkPolicy = { allow: [] };

describe('checkDestination', () => {
  // [host as written, resolved address (when a name), canonical address, range]. No connection is made to any.
  const refused: [string, string | undefined, string, string][] = [
    ['169.254.169.254', undefined, '169.254.169.254', 'link-local, the cloud metadata service'],
    ['2852039166', undefined, '169.254.169.254', 'link-local, the cloud metadata service'],
    ['0xa9fea9fe', undefined, '169.254.169.254', 'link-local, the cloud metadata service'],
    ['[::ffff:169.254.169.254]', undefined, '169.254.169.254', 'link-local, the cloud metadata service'],
    ['169.254.10.1', undefined, '169.254.10.1', 'link-local'],
    ['10.0.0.1', undefined, '10.0.0.1', 'private'],
    ['172.16.5.4', undefined, '172.16.5.4', 'private'],
    ['192.168.1.1', undefined, '192.168.1.1', 'private'],
    ['100.64.0.1', undefined, '100.64.0.1', 'CGNAT'],
    ['127.0.0.1', undefined, '127.0.0.1', 'loopback'],
    ['127.8.9.10', undefined, '127.8.9.10', 'loopback'],
    ['2130706433', undefined, '127.0.0.1', 'loopback'],
    ['0x7f000001', undefined, '127.0.0.1', 'loopback'],
    ['0177.0.0.1', undefined, '127.0.0.1', 'loopback'],
    ['127.1', undefined, '127.0.0.1', 'loopback'],
    ['[::ffff:127.0.0.1]', undefined, '127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', undefined, '127.0.0.1', 'loopback'],
    ['[::1]', undefined, '::1', 'loopback'],
    ['0.0.0.0', undefined, '0.0.0.0', 'unspecified'],
    ['::', undefined, '::', 'unspecified'],
    ['255.255.255.255', undefined, '255.255.255.255', 'broadcast'],
    ['224.0.0.1', undefined, '224.0.0.1', 'multicast'],
    ['ff02::1', undefined, 'ff02::1', 'multicast'],
    ['fe80::1', undefined, 'fe80::1', 'link-local'],
    ['fc00::1', undefined, 'fc00::1', 'private, unique local'],
    ['fd00:ec2::254', undefined, 'fd00:ec2::254', 'private, unique local'],
    ['64:ff9b::a9fe:a9fe', undefined, '64:ff9b::a9fe:a9fe', 'NAT64'],
    ['240.0.0.1', undefined, '240.0.0.1', 'reserved'],
    ['localhost', '127.0.0.1', '127.0.0.1', 'loopback'],
    ['metadata.attacker.example', '169.254.169.254', '169.254.169.254', 'link-local, the cloud metadata service'],
    ['intranet.attacker.example', '::ffff:10.1.2.3', '10.1.2.3', 'private'],
  ];

  it.each(refused)('refuses %s (resolved %s) as %s without allow', (host, address, canonical, range) => {
    const decision = checkDestination(NONE, { host, port: 80, ...(address ? { address } : {}) });
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.refusal).toMatchObject({ address: canonical, range, key: 'network.allow' });
    // A name is allowed by name; an address by its canonical form.
    expect(decision.refusal.entry).toBe(address ? host : canonical);
  });

  it('has at least 22 address forms to refuse', () => {
    expect(refused.length).toBeGreaterThanOrEqual(22);
  });

  it('says which destination, what it resolved to, and the key and entry that would allow it', () => {
    const decision = checkDestination(NONE, { host: '169.254.169.254', port: 80 });
    expect(decision).toEqual({
      allowed: false,
      refusal: {
        host: '169.254.169.254',
        port: 80,
        address: '169.254.169.254',
        range: 'link-local, the cloud metadata service',
        key: 'network.allow',
        entry: '169.254.169.254',
        message: 'destination 169.254.169.254:80 resolves to 169.254.169.254 (link-local, the cloud metadata service), refused by the network policy; add "169.254.169.254" to network.allow in riposte.config.json',
      },
    });
    const named = checkDestination(NONE, { host: 'LocalHost.', port: 8080, address: '127.0.0.1' });
    expect(!named.allowed && named.refusal.message).toBe('destination localhost:8080 resolves to 127.0.0.1 (loopback), refused by the network policy; add "localhost" to network.allow in riposte.config.json');
    const v6 = checkDestination(NONE, { host: '[::1]', port: 443 });
    expect(!v6.allowed && v6.refusal.message).toBe('destination [::1]:443 resolves to ::1 (loopback), refused by the network policy; add "::1" to network.allow in riposte.config.json');
  });

  it('lets public addresses and names resolving to them through', () => {
    expect(checkDestination(NONE, { host: '8.8.8.8', port: 443 })).toEqual({ allowed: true });
    expect(checkDestination(NONE, { host: '2606:4700:4700::1111', port: 443 })).toEqual({ allowed: true });
    expect(checkDestination(NONE, { host: 'hooks.slack.com', port: 443, address: '54.1.2.3' })).toEqual({ allowed: true });
  });

  it('exempts the addresses, ranges and names in allow, and nothing next to them', () => {
    const policy: NetworkPolicy = { allow: ['127.0.0.1', '10.20.0.0/16', 'fw-api.corp.example', '*.corp.example', '[fd00::5]'] };
    const allowed = (host: string, address?: string) => checkDestination(policy, { host, port: 443, ...(address ? { address } : {}) }).allowed;
    expect(allowed('127.0.0.1')).toBe(true);
    expect(allowed('2130706433')).toBe(true);
    expect(allowed('[::ffff:127.0.0.1]')).toBe(true);
    expect(allowed('127.0.0.2')).toBe(false);
    expect(allowed('::1')).toBe(false);
    expect(allowed('10.20.255.1')).toBe(true);
    expect(allowed('10.21.0.1')).toBe(false);
    expect(allowed('fw-api.corp.example', '10.99.0.1')).toBe(true);
    expect(allowed('a.b.corp.example', '192.168.7.7')).toBe(true);
    expect(allowed('corp.example', '192.168.7.7')).toBe(false);
    expect(allowed('evilcorp.example', '192.168.7.7')).toBe(false);
    expect(allowed('fd00::5')).toBe(true);
    expect(allowed('fd00::6')).toBe(false);
    // An allowed name does not make the addresses behind it allowed for other names.
    expect(allowed('other.example', '10.99.0.1')).toBe(false);
  });

  it('with hosts, reaches only the listed destinations, and still refuses a listed private one without allow', () => {
    const policy: NetworkPolicy = { allow: [], hosts: ['hooks.slack.com', '*.pagerduty.com', '203.0.113.0/24'] };
    const check = (host: string, address?: string) => checkDestination(policy, { host, port: 443, ...(address ? { address } : {}) });
    expect(check('hooks.slack.com', '54.1.2.3').allowed).toBe(true);
    expect(check('events.pagerduty.com', '54.1.2.4').allowed).toBe(true);
    expect(check('example.org', '93.184.215.14')).toMatchObject({
      allowed: false,
      refusal: { key: 'network.hosts', entry: 'example.org', message: 'destination example.org:443 is not in network.hosts, refused by the network policy; add "example.org" to network.hosts in riposte.config.json' },
    });
    expect(check('8.8.8.8')).toMatchObject({ allowed: false, refusal: { key: 'network.hosts', entry: '8.8.8.8' } });
    const internal = checkDestination({ allow: [], hosts: ['smtp.corp.example'] }, { host: 'smtp.corp.example', port: 587, address: '10.0.0.25' });
    expect(internal).toMatchObject({ allowed: false, refusal: { key: 'network.allow', entry: 'smtp.corp.example' } });
    // The proxy is the operator's, not a destination: hosts does not apply to it, the address rules do.
    expect(checkDestination({ allow: ['10.0.0.8'], hosts: ['hooks.slack.com'] }, { host: '10.0.0.8', port: 3128, proxy: true }).allowed).toBe(true);
    const proxy = checkDestination({ allow: [], hosts: ['hooks.slack.com'] }, { host: 'proxy.corp.example', port: 3128, address: '10.0.0.8', proxy: true });
    expect(!proxy.allowed && proxy.refusal.message).toBe('the proxy proxy.corp.example:3128 resolves to 10.0.0.8 (private), refused by the network policy; add "proxy.corp.example" to network.allow in riposte.config.json');
  });

  it('decides on every hostile value as a host without throwing, and refuses each where hosts is set', () => {
    const hostile = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, unknown>;
    const values = Object.entries(hostile).filter(([k, v]) => k !== '$comment' && typeof v === 'string').map(([, v]) => v as string);
    expect(values.length).toBeGreaterThan(20);
    for (const value of values) {
      const decision = checkDestination({ allow: ['127.0.0.1'], hosts: ['hooks.example.org'] }, { host: value, port: 443, address: '127.0.0.1' });
      expect({ value, allowed: decision.allowed }).toEqual({ value, allowed: false });
      expect(() => networkEntryProblem(value)).not.toThrow();
    }
  });

  it('accepts addresses, ranges, names and wildcard domains as entries, and says what else is wrong', () => {
    for (const ok of ['127.0.0.1', '::1', '[::1]', '10.20.0.0/16', 'fd00::/8', 'fw-api.corp.example', '*.corp.example', 'localhost']) expect(networkEntryProblem(ok)).toBeUndefined();
    for (const bad of ['http://fw.example', '*', '10.0.0.0/33', 'a b', 'fw.example:443', '*.']) {
      expect(networkEntryProblem(bad)).toBe(`"${bad}" is not an address (10.0.0.5, ::1), a CIDR range (10.20.0.0/16), a host name (api.example.org) or a wildcard domain (*.example.org)`);
    }
  });
});

describe('network configuration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-network-config-'));
  const load = (network: unknown, env: NodeJS.ProcessEnv = {}) => {
    const file = path.join(dir, 'riposte.config.json');
    fs.writeFileSync(file, JSON.stringify(network === undefined ? {} : { network }));
    return loadConfig({ RIPOSTE_CONFIG: file, ...env }, dir);
  };

  it('reads allow, hosts and proxy, refusing everything non-public when nothing is configured', () => {
    expect(load(undefined).network).toEqual({ allow: [] });
    expect(load({ allow: ['127.0.0.1', '*.corp.example'], hosts: ['hooks.slack.com'], proxy: 'http://proxy.corp.example:3128' }).network).toEqual({
      allow: ['127.0.0.1', '*.corp.example'],
      hosts: ['hooks.slack.com'],
      proxy: { http: 'http://proxy.corp.example:3128', https: 'http://proxy.corp.example:3128' },
    });
  });

  it('names the bad entry and the field', () => {
    expect(() => load({ allow: ['127.0.0.1', 'http://x'] })).toThrow(ConfigError);
    expect(() => load({ allow: ['127.0.0.1', 'http://x'] })).toThrow(/network\.allow\[1\]: "http:\/\/x" is not an address/);
    expect(() => load({ allowed: [] })).toThrow(/network.*allowed/);
    expect(() => load({ proxy: 'socks5://127.0.0.1:1080' })).toThrow('network.proxy: "socks5://127.0.0.1:1080" is not an http:// or https:// proxy URL; write e.g. http://proxy.corp.example:3128');
  });

  it('takes RIPOSTE_NETWORK_ALLOW, RIPOSTE_NETWORK_HOSTS and RIPOSTE_NETWORK_PROXY over the file', () => {
    const config = load({ allow: ['10.0.0.1'] }, { RIPOSTE_NETWORK_ALLOW: '127.0.0.1, ::1', RIPOSTE_NETWORK_HOSTS: 'hooks.slack.com', RIPOSTE_NETWORK_PROXY: 'http://127.0.0.1:3128' });
    expect(config.network).toEqual({ allow: ['127.0.0.1', '::1'], hosts: ['hooks.slack.com'], proxy: { http: 'http://127.0.0.1:3128', https: 'http://127.0.0.1:3128' } });
    expect(() => load(undefined, { RIPOSTE_NETWORK_ALLOW: '127.0.0.1,nope/8' })).toThrow('RIPOSTE_NETWORK_ALLOW: "nope/8" is not an address');
  });

  it('uses HTTPS_PROXY, HTTP_PROXY and NO_PROXY when no proxy is configured, and the configured one over them', () => {
    expect(load(undefined, { HTTP_PROXY: 'http://127.0.0.1:3128', NO_PROXY: 'localhost,.corp.example' }).network.proxy).toEqual({ http: 'http://127.0.0.1:3128', https: 'http://127.0.0.1:3128', noProxy: 'localhost,.corp.example' });
    expect(load(undefined, { https_proxy: 'http://127.0.0.1:3129' }).network.proxy).toEqual({ https: 'http://127.0.0.1:3129' });
    expect(load({ proxy: 'http://127.0.0.1:3130' }, { HTTPS_PROXY: 'http://127.0.0.1:3129' }).network.proxy).toEqual({ http: 'http://127.0.0.1:3130', https: 'http://127.0.0.1:3130' });
    expect(() => load(undefined, { HTTPS_PROXY: 'proxy:3128' })).toThrow('HTTPS_PROXY: "proxy:3128" is not an http:// or https:// proxy URL; write e.g. http://proxy.corp.example:3128');
  });
});

/** A TCP server on 127.0.0.1 that only counts the connections made to it: a stand-in for a server that must not be reached. */
async function startListener() {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A tiny forward proxy on 127.0.0.1: records each CONNECT target and tunnels it (loopback targets only). */
async function startProxy() {
  const tunnels: string[] = [];
  let connections = 0;
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connection', () => connections++);
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    // Test traffic stays on loopback: the proxy resolves the target itself and refuses anything else.
    dns.lookup(host, { family: 4 }, (err, address) => {
      if (err || !address.startsWith('127.')) {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const upstream = net.connect(Number(port), address, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    tunnels,
    connections: () => connections,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let other: Awaited<ReturnType<typeof startPeer>>;
let listener: Awaited<ReturnType<typeof startListener>>;
let proxy: Awaited<ReturnType<typeof startProxy>>;

beforeAll(async () => {
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  other = await startPeer(() => ({ status: 200, body: { other: true } }));
  listener = await startListener();
  proxy = await startProxy();
  h = await startHarness((config) => {
    config.connections['local-smtp'] = { type: 'smtp', host: '127.0.0.1', port: listener.port, secure: false, starttls: 'never', from: 'riposte@example.org' };
    config.connections['local-pg'] = { type: 'database', driver: 'postgres', host: '127.0.0.1', port: listener.port, database: 'test', users: { writer: { user: 'postgres' } } };
    config.connections['local-my'] = { type: 'database', driver: 'mysql', host: 'localhost', port: listener.port, database: 'test', users: { root: { user: 'root' } } };
    config.connections['local-aws'] = { type: 'aws', accessKeyId: 'AKIDNETWORKTEST00001', secretAccessKey: 'network/test/key/not/a/secret/000000000', endpoint: `http://127.0.0.1:${listener.port}` };
    config.connections['real-pg'] = { type: 'database', driver: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', users: { writer: { user: 'postgres' } } };
  });
});
afterAll(async () => {
  await h?.close();
  await Promise.all([peer?.close(), other?.close(), listener?.close(), proxy?.close()]);
});

const harnessPolicy = () => ({ allow: ['127.0.0.1'] });
afterEach(() => {
  h.config.network = harnessPolicy();
  peer.received.length = 0;
  other.received.length = 0;
});

/** The failure type of the run's one activity and how many attempts it took, from the workflow history. */
async function failureOf(runId: string): Promise<{ type?: string | null; attempts: number }> {
  const history = await h.client.workflow.getHandle(runId).fetchHistory();
  const events = history.events ?? [];
  const failed = events.map((e) => e.activityTaskFailedEventAttributes?.failure).find(Boolean);
  return { type: failed?.applicationFailureInfo?.type, attempts: Math.max(0, ...events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0)) };
}

const retry = { initialInterval: '100ms', backoff: 1, maxAttempts: 3 };
const hook = (host: string, port: number, extra: Record<string, unknown> = {}) => ({
  name: 'net-hook',
  steps: [{ id: 'hook', action: 'webhook.send', retry, with: { protocol: 'http', host, port, path: '/in', body: { n: 1 }, ...extra } }],
});

describe('HTTP actions under the policy', () => {
  it('refuses a loopback peer without allow, once and before sending anything, and delivers with allow', async () => {
    h.config.network = NONE;
    const refused = await h.run(hook('127.0.0.1', peer.port));
    expect(refused.status).toBe('failed');
    expect(refused.steps.hook.error).toBe(`step "hook" (webhook.send): destination 127.0.0.1:${peer.port} resolves to 127.0.0.1 (loopback), refused by the network policy; add "127.0.0.1" to network.allow in riposte.config.json`);
    expect(await failureOf(refused.runId)).toEqual({ type: 'DestinationRefusedError', attempts: 1 });
    expect(peer.received).toEqual([]);

    h.config.network = { allow: ['127.0.0.1'] };
    const delivered = await h.run(hook('127.0.0.1', peer.port));
    expect(delivered.status).toBe('completed');
    expect(peer.received.map((r) => [r.method, r.url, r.body])).toEqual([['POST', '/in', '{"n":1}']]);
  });

  it('refuses loopback written as 2130706433, 0x7f000001, 0177.0.0.1 and [::ffff:127.0.0.1], sending nothing', async () => {
    h.config.network = NONE;
    for (const host of ['2130706433', '0x7f000001', '0177.0.0.1', '[::ffff:127.0.0.1]']) {
      const report = await h.run(hook(host, peer.port));
      expect(report.status).toBe('failed');
      expect(report.steps.hook.error).toMatch(new RegExp(`destination (127\\.0\\.0\\.1|\\[::ffff:7f00:1\\]):${peer.port} resolves to 127\\.0\\.0\\.1 \\(loopback\\), refused by the network policy`));
    }
    expect(peer.received).toEqual([]);
  });

  it('refuses a host name that resolves to loopback, and reaches it once the name is allowed', async () => {
    h.config.network = NONE;
    const refused = await h.run(hook('localhost', peer.port));
    expect(refused.steps.hook.error).toBe(`step "hook" (webhook.send): destination localhost:${peer.port} resolves to 127.0.0.1 (loopback), refused by the network policy; add "localhost" to network.allow in riposte.config.json`);
    expect(peer.received).toEqual([]);
    h.config.network = { allow: ['localhost'] };
    expect((await h.run(hook('localhost', peer.port))).status).toBe('completed');
    expect(peer.received).toHaveLength(1);
  });

  it('with hosts, reaches only the listed destinations', async () => {
    h.config.network = { allow: ['127.0.0.1', 'localhost'], hosts: ['localhost'] };
    const refused = await h.run(hook('127.0.0.1', peer.port));
    expect(refused.steps.hook.error).toBe(`step "hook" (webhook.send): destination 127.0.0.1:${peer.port} is not in network.hosts, refused by the network policy; add "127.0.0.1" to network.hosts in riposte.config.json`);
    expect(await failureOf(refused.runId)).toEqual({ type: 'DestinationRefusedError', attempts: 1 });
    expect(peer.received).toEqual([]);
    expect((await h.run(hook('localhost', peer.port))).status).toBe('completed');
    expect(peer.received).toHaveLength(1);
  });

  it('does not follow a redirect to another destination', async () => {
    const redirecting = await startPeer(() => ({ status: 302, headers: { location: `${other.url}/stolen` } }));
    try {
      const report = await h.run(hook('127.0.0.1', redirecting.port, { method: 'GET', body: undefined }));
      expect(report.status).toBe('failed');
      expect(report.steps.hook.error).toContain(`answered 302`);
      expect(redirecting.received).toHaveLength(1);
      expect(other.received).toEqual([]);
    } finally {
      await redirecting.close();
    }
  });
});

describe('SMTP, databases and AWS under the policy', () => {
  it('refuses an SMTP server on loopback without allow, connecting to nothing', async () => {
    h.config.network = NONE;
    const before = listener.connections();
    const report = await h.run({ name: 'net-mail', steps: [{ id: 'mail', action: 'email.send', connection: 'local-smtp', retry, with: { to: ['soc@example.org'], subject: 'x', body: 'y' } }] });
    expect(report.steps.mail.error).toBe(`step "mail" (email.send): destination 127.0.0.1:${listener.port} resolves to 127.0.0.1 (loopback), refused by the network policy; add "127.0.0.1" to network.allow in riposte.config.json`);
    expect(await failureOf(report.runId)).toEqual({ type: 'DestinationRefusedError', attempts: 1 });
    expect(listener.connections()).toBe(before);
  });

  it('refuses PostgreSQL and MySQL on loopback without allow, connecting to nothing, and writes to PostgreSQL once allowed', async () => {
    h.config.network = NONE;
    const before = listener.connections();
    const pg = await h.run({ name: 'net-pg', steps: [{ id: 'db', action: 'db.insert', connection: 'local-pg', retry, with: { table: 't', values: { a: 1 } } }] }, [{ a: 1 }]);
    expect(pg.steps.db.error).toBe(`step "db" (db.insert): destination 127.0.0.1:${listener.port} resolves to 127.0.0.1 (loopback), refused by the network policy; add "127.0.0.1" to network.allow in riposte.config.json`);
    expect(await failureOf(pg.runId)).toEqual({ type: 'DestinationRefusedError', attempts: 1 });
    const my = await h.run({ name: 'net-my', steps: [{ id: 'db', action: 'db.insert', connection: 'local-my', retry, with: { table: 't', values: { a: 1 } } }] }, [{ a: 1 }]);
    expect(my.steps.db.error).toBe(`step "db" (db.insert): destination localhost:${listener.port} resolves to 127.0.0.1 (loopback), refused by the network policy; add "localhost" to network.allow in riposte.config.json`);
    expect(listener.connections()).toBe(before);

    const table = `net_policy_${process.pid}`;
    h.config.network = { allow: ['127.0.0.1'] };
    const { Client } = await import('pg');
    const admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLE IF NOT EXISTS ${table} (a integer)`);
      const written = await h.run({ name: 'net-pg-ok', steps: [{ id: 'db', action: 'db.insert', connection: 'real-pg', retry, with: { table, values: { a: '{{result.a}}' } } }] }, [{ a: 7 }]);
      expect(written.status).toBe('completed');
      expect((await admin.query(`SELECT a FROM ${table}`)).rows).toEqual([{ a: 7 }]);
    } finally {
      await admin.query(`DROP TABLE IF EXISTS ${table}`);
      await admin.end();
    }
  });

  it('refuses a SQL search on loopback without allow, as a final failure naming the search', async () => {
    const before = listener.connections();
    const search = queryPostgres({ where: 'search of job "j"', login: { host: '127.0.0.1', port: listener.port, user: 'postgres', database: 'test' }, network: NONE, sql: 'SELECT 1', from: null, to: null, limit: 10 });
    await expect(search).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(search).rejects.toMatchObject({
      type: 'DestinationRefusedError',
      nonRetryable: true,
      message: `search of job "j": destination 127.0.0.1:${listener.port} resolves to 127.0.0.1 (loopback), refused by the network policy; add "127.0.0.1" to network.allow in riposte.config.json`,
    });
    expect(listener.connections()).toBe(before);
  });

  it('refuses an SNS endpoint on loopback without allow, connecting to nothing', async () => {
    h.config.network = NONE;
    const before = listener.connections();
    const report = await runForInsight(h, { name: 'net-sns', steps: [{ id: 'sns', action: 'sns.publish', connection: 'local-aws', retry, with: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:cse-insights' } }] });
    expect(report.steps.sns.error).toBe(`step "sns" (sns.publish): destination 127.0.0.1:${listener.port} resolves to 127.0.0.1 (loopback), refused by the network policy; add "127.0.0.1" to network.allow in riposte.config.json`);
    expect(await failureOf(report.runId)).toEqual({ type: 'DestinationRefusedError', attempts: 1 });
    expect(listener.connections()).toBe(before);
  });
});

describe('a proxy', () => {
  const get = (url: string, network: NetworkPolicy) => callPeer({ origin: 'step "p" (webhook.send)', url: new URL(url), method: 'GET', network });
  afterEach(() => {
    proxy.tunnels.length = 0;
  });

  it('carries HTTP actions when configured: the proxy sees the target, the peer gets the request', async () => {
    const answer = await get(`${peer.url}/via-proxy`, { allow: ['127.0.0.1'], proxy: { http: proxy.url } });
    expect(answer.status).toBe(200);
    expect(proxy.tunnels).toEqual([`127.0.0.1:${peer.port}`]);
    expect(peer.received.map((r) => r.url)).toEqual(['/via-proxy']);
  });

  it('applies the policy to the target by name: a refused target is never asked of the proxy', async () => {
    const before = proxy.connections();
    await expect(get(`http://127.0.0.2:${peer.port}/x`, { allow: ['127.0.0.1'], proxy: { http: proxy.url } })).rejects.toMatchObject({
      type: 'DestinationRefusedError',
      message: `step "p" (webhook.send): destination 127.0.0.2:${peer.port} resolves to 127.0.0.2 (loopback), refused by the network policy; add "127.0.0.2" to network.allow in riposte.config.json`,
    });
    await expect(get(`http://localhost:${peer.port}/x`, { allow: ['127.0.0.1'], hosts: ['hooks.example.org'], proxy: { http: proxy.url } })).rejects.toMatchObject({
      type: 'DestinationRefusedError',
      message: expect.stringContaining(`destination localhost:${peer.port} is not in network.hosts`),
    });
    expect(proxy.connections()).toBe(before);
    expect(peer.received).toEqual([]);
  });

  it('must itself be allowed', async () => {
    const before = proxy.connections();
    await expect(get(`http://localhost:${peer.port}/x`, { allow: ['localhost'], proxy: { http: proxy.url } })).rejects.toMatchObject({
      type: 'DestinationRefusedError',
      message: `step "p" (webhook.send): the proxy 127.0.0.1:${proxy.port} resolves to 127.0.0.1 (loopback), refused by the network policy; add "127.0.0.1" to network.allow in riposte.config.json`,
    });
    expect(proxy.connections()).toBe(before);
    expect(peer.received).toEqual([]);
  });

  it('is exempt from hosts, and NO_PROXY sends a destination direct', async () => {
    await get(`http://localhost:${peer.port}/listed`, { allow: ['127.0.0.1', 'localhost'], hosts: ['localhost'], proxy: { http: proxy.url } });
    expect(proxy.tunnels).toEqual([`localhost:${peer.port}`]);
    await get(`${peer.url}/direct`, { allow: ['127.0.0.1'], proxy: { http: proxy.url, noProxy: '127.0.0.1' } });
    expect(proxy.tunnels).toEqual([`localhost:${peer.port}`]);
    expect(peer.received.map((r) => r.url)).toEqual(['/listed', '/direct']);
  });
});
