// webhook.send against real HTTP(S) servers on 127.0.0.1: what the peer receives and how failures are treated.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, startPeer, type Harness } from './helpers';
import { recordTestSecret } from './secrets-ledger';

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
const answers: ((n: number) => { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number })[] = [];

beforeAll(async () => {
  process.env.RIPOSTE_TEST_HOOK_PASSWORD = 's3cr3t-hook-pw';
  recordTestSecret('webhook basic-auth password', 's3cr3t-hook-pw');
  peer = await startPeer((_req, n) => (answers[0] ? answers[0](n) : { status: 200, body: { received: true } }));
  h = await startHarness((config) => {
    config.connections['soc-hook'] = { type: 'http', url: `http://127.0.0.1:${peer.port}/base`, auth: { type: 'bearer', token: 'env:RIPOSTE_TEST_HOOK_PASSWORD' }, headers: { 'x-tenant': 'acme' } };
  });
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

async function withAnswer<T>(answer: (n: number) => { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }, fn: () => Promise<T>): Promise<T> {
  peer.received.length = 0;
  answers[0] = answer;
  try {
    return await fn();
  } finally {
    answers.length = 0;
  }
}

const hook = (extra: Record<string, unknown> = {}, step: Record<string, unknown> = {}) => ({
  name: 'hook',
  steps: [{ id: 'hook', action: 'webhook.send', retry: { initialInterval: '100ms', backoff: 1, maxAttempts: 4 }, ...step, with: { protocol: 'http', host: '127.0.0.1', port: peer.port, ...extra } }],
});

describe('webhook.send', () => {
  it('sends method, path, query, headers, basic auth and a JSON body built from tokens', async () => {
    const report = await withAnswer(
      () => ({ status: 201, body: { id: 'T-1' } }),
      () =>
        h.run(
          hook({
            method: 'PUT',
            path: '/api/alerts/{{result.id}}',
            query: { src: '{{result.src_ip}}', tag: ['a', 'b'] },
            headers: { 'X-Source': 'riposte' },
            auth: { type: 'basic', username: 'soc', password: 'env:RIPOSTE_TEST_HOOK_PASSWORD' },
            body: { ip: '{{result.src_ip}}', note: 'quote " and \\ stay JSON', n: '{{json results.length}}' },
          }),
          [{ id: 42, src_ip: '10.1.2.3' }],
        ),
    );
    expect(report.status).toBe('completed');
    expect(report.steps.hook.output).toEqual({ status: 201, body: { id: 'T-1' } });
    const [got] = peer.received;
    expect(got.method).toBe('PUT');
    expect(got.url).toBe('/api/alerts/42?src=10.1.2.3&tag=a&tag=b');
    expect(got.headers['x-source']).toBe('riposte');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers.authorization).toBe(`Basic ${Buffer.from('soc:s3cr3t-hook-pw').toString('base64')}`);
    expect(got.headers['idempotency-key']).toMatch(/^hook-.+\/hook\/once$/);
    expect(JSON.parse(got.body)).toEqual({ ip: '10.1.2.3', note: 'quote " and \\ stay JSON', n: 1 });
  });

  it('takes URL, auth and headers from a named connection', async () => {
    const report = await withAnswer(
      () => ({ status: 200, body: 'ok' }),
      () => h.run({ name: 'conn', steps: [{ id: 'hook', action: 'webhook.send', connection: 'soc-hook', with: { path: 'events', body: 'plain text' } }] }),
    );
    expect(report.status).toBe('completed');
    const [got] = peer.received;
    expect(got.url).toBe('/base/events');
    expect(got.headers.authorization).toBe('Bearer s3cr3t-hook-pw');
    expect(got.headers['x-tenant']).toBe('acme');
    expect(got.body).toBe('plain text');
  });

  it('does not retry a 4xx refusal and reports the peer answer', async () => {
    const report = await withAnswer(() => ({ status: 422, body: { error: 'bad ip' } }), () => h.run(hook({ body: {} })));
    expect(report.status).toBe('failed');
    expect(peer.received).toHaveLength(1);
    expect(report.steps.hook.error).toBe(`step "hook" (webhook.send): POST http://127.0.0.1:${peer.port} answered 422: {"error":"bad ip"}`);
  });

  it('retries 5xx until the attempts run out', async () => {
    const report = await withAnswer(() => ({ status: 502, body: 'bad gateway' }), () => h.run(hook({ body: {} })));
    expect(report.status).toBe('failed');
    expect(peer.received).toHaveLength(4);
    expect(report.steps.hook.error).toContain('answered 502: bad gateway');
  });

  it("waits for a 429's Retry-After before the next attempt", async () => {
    const report = await withAnswer((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' }, body: 'slow down' } : { status: 200, body: {} }), async () => {
      const times: number[] = [];
      const original = peer.received.push.bind(peer.received);
      peer.received.push = (...items) => {
        times.push(Date.now());
        return original(...items);
      };
      try {
        const r = await h.run(hook({ body: {} }));
        return { ...r, gap: times[1] - times[0] };
      } finally {
        peer.received.push = original;
      }
    });
    expect(report.status).toBe('completed');
    expect(peer.received).toHaveLength(2);
    expect(report.gap).toBeGreaterThanOrEqual(1900);
  });

  it('retries an attempt that outlives the step timeout', async () => {
    const report = await withAnswer((n) => (n === 1 ? { status: 200, body: {}, delayMs: 3000 } : { status: 200, body: { second: true } }), () => h.run(hook({ body: {} }, { timeout: '1s' })));
    expect(report.status).toBe('completed');
    expect(report.steps.hook.output).toEqual({ status: 200, body: { second: true } });
    expect(peer.received.length).toBeGreaterThanOrEqual(2);
  });

  it('fails without retrying when a referenced secret is not set', async () => {
    const report = await h.run(hook({ auth: { type: 'bearer', token: 'env:RIPOSTE_TEST_UNSET_TOKEN' } }));
    expect(report.status).toBe('failed');
    expect(report.steps.hook.error).toContain('with.auth.token: environment variable RIPOSTE_TEST_UNSET_TOKEN is not set');
  });
});

describe('webhook.send over TLS', () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => res.writeHead(200).end('secure'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server?.close();
  });

  it('refuses a certificate it cannot verify, without retrying, and says how to fix it', async () => {
    const report = await h.run({ name: 'tls', steps: [{ id: 'hook', action: 'webhook.send', with: { protocol: 'https', host: '127.0.0.1', port } }] });
    expect(report.status).toBe('failed');
    expect(report.steps.hook.error).toMatch(/TLS verification failed \(\w+\); give the peer's CA certificate/);
  });

  it('verifies the peer against the CA file given', async () => {
    const report = await h.run({ name: 'tls', steps: [{ id: 'hook', action: 'webhook.send', with: { protocol: 'https', host: '127.0.0.1', port, tls: { caFile: path.join(dir, 'cert.pem') } } }] });
    expect(report.status).toBe('completed');
    expect(report.steps.hook.output).toEqual({ status: 200, body: 'secure' });
  });
});
