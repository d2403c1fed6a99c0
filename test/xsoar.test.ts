// xsoar.incident against an HTTPS peer on 127.0.0.1 that demands a client certificate, as an XSOAR behind mutual TLS does.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../dsl';
import { loadConfig } from '../config/config';
import { startHarness, type Harness } from './helpers';
import { recordTestSecret } from './secrets-ledger';
import { quickRetry, runForInsight, sampleInsight } from './insight-fixtures';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  clientCn: string;
}

const API_KEY = 'XSOAR-API-KEY-s3cr3t-0123456789ABCDEF';
const KEY_ID = '42';
let dir: string;
let server: https.Server;
let port: number;
const seen: Seen[] = [];
let h: Harness;

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  recordTestSecret('XSOAR API key', API_KEY);
  recordTestSecret('wrong XSOAR API key', 'WRONG-XSOAR-KEY-s3cr3t-99999');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-xsoar-'));
  // A CA that signs both the server's certificate and the client's.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=xsoar.test', '-keyout', 'server.key', '-out', 'server.csr');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'server.ext', '-out', 'server.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=riposte-client', '-keyout', 'client.key', '-out', 'client.csr');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'client.pem');
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  server = https.createServer({ key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const clientCn = String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), clientCn });
      // XSOAR 8 serves its public API under /xsoar/public/v1 and requires both the key and the key's ID
      // (test/fixtures/vendor/xsoar/api-8-request-headers.json).
      if (req.url?.startsWith('/xsoar/public/v1/') && req.headers['x-xdr-auth-id'] !== KEY_ID) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'missing or wrong x-xdr-auth-id' }));
        return;
      }
      if (req.headers.authorization !== API_KEY) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: '4711', name: 'Initial Access with Execution', version: 1 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  process.env.RIPOSTE_TEST_XSOAR_KEY = API_KEY;
  h = await startHarness((config) => {
    const tls = { verify: true, caFile: path.join(dir, 'ca.pem'), certFile: path.join(dir, 'client.pem'), keyFile: path.join(dir, 'client.key') };
    config.connections.xsoar = { type: 'apikey', url: `https://127.0.0.1:${port}/xsoar`, key: 'env:RIPOSTE_TEST_XSOAR_KEY', tls };
    process.env.RIPOSTE_TEST_XSOAR_BAD_KEY = 'WRONG-XSOAR-KEY-s3cr3t-99999';
    config.connections['xsoar-badkey'] = { type: 'apikey', url: `https://127.0.0.1:${port}/xsoar`, key: 'env:RIPOSTE_TEST_XSOAR_BAD_KEY', tls };
    process.env.RIPOSTE_TEST_XSOAR_KEY_ID = KEY_ID;
    config.connections.xsoar8 = { type: 'apikey', url: `https://127.0.0.1:${port}`, key: 'env:RIPOSTE_TEST_XSOAR_KEY', keyId: 'env:RIPOSTE_TEST_XSOAR_KEY_ID', version: 8, tls };
    config.connections['xsoar8-prefixed'] = { type: 'apikey', url: `https://127.0.0.1:${port}/xsoar/public/v1/`, key: 'env:RIPOSTE_TEST_XSOAR_KEY', keyId: KEY_ID, version: 8, tls };
    config.connections['xsoar-nocert'] = { type: 'apikey', url: `https://127.0.0.1:${port}/xsoar`, key: 'env:RIPOSTE_TEST_XSOAR_KEY', tls: { verify: true, caFile: tls.caFile } };
  });
});
afterAll(async () => {
  await h?.close();
  server?.closeAllConnections();
  server?.close();
});

const incident = (connection: string, extra: Record<string, unknown> = {}) => ({
  name: 'xsoar',
  steps: [{ id: 'soar', action: 'xsoar.incident', connection, retry: quickRetry, with: extra }],
});

describe('xsoar.incident', () => {
  it('creates the incident over mutual TLS at /incident/json with the API key and the extra headers', async () => {
    seen.length = 0;
    const report = await runForInsight(h, incident('xsoar', { extraHeaders: 'x-xdr-auth-id: 7\nX-Team:  blue team\n' }));
    expect(report.status).toBe('completed');
    expect(report.steps.soar.output).toEqual({ incidentId: '4711' });
    const [got] = seen;
    expect(got).toMatchObject({ method: 'POST', url: '/xsoar/incident/json', clientCn: 'riposte-client' });
    expect(got.headers).toMatchObject({ authorization: API_KEY, 'x-xdr-auth-id': '7', 'x-team': 'blue team', 'content-type': 'application/json', accept: 'application/json' });
    // The Insight as Cloud SIEM sent it: its own field names, Records in each Signal's allRecords.
    expect(got.body).toBe(JSON.stringify(sampleInsight()));
  });

  it('does not create a second incident when the same run executes the step again', async () => {
    seen.length = 0;
    const workflowId = `xsoar-once-${Date.now()}`;
    const first = await runForInsight(h, incident('xsoar'), sampleInsight(), 'insight.created', workflowId);
    const again = await runForInsight(h, incident('xsoar'), sampleInsight(), 'insight.created', workflowId);
    expect(first.steps.soar.output).toEqual({ incidentId: '4711' });
    expect(again.steps.soar.output).toEqual({ incidentId: '4711' });
    expect(seen).toHaveLength(1);
  });

  it('leaves every Record out with excludeRecords, and nothing else', async () => {
    seen.length = 0;
    const report = await runForInsight(h, incident('xsoar', { excludeRecords: true }));
    expect(report.status).toBe('completed');
    const body = JSON.parse(seen[0].body) as { signals: Record<string, unknown>[]; records?: unknown };
    expect(body.signals.map((s) => s.id)).toEqual(['sig-1', 'sig-2']);
    expect(body.signals.some((s) => 'allRecords' in s)).toBe(false);
    const { signals, ...rest } = sampleInsight();
    expect(body).toEqual({ ...rest, signals: (signals ?? []).map(({ allRecords: _records, ...s }) => s) });
  });

  it('does not retry a 401 for a wrong API key and never shows the key', async () => {
    seen.length = 0;
    const report = await runForInsight(h, incident('xsoar-badkey'));
    expect(report.status).toBe('failed');
    expect(seen).toHaveLength(1);
    expect(report.steps.soar.error).toBe(`step "soar" (xsoar.incident): POST https://127.0.0.1:${port} answered 401: {"error":"unauthorized"}`);
    expect(seen[0].headers.authorization).toBe('WRONG-XSOAR-KEY-s3cr3t-99999');
  });

  it('gets no answer from the server without the client certificate', async () => {
    seen.length = 0;
    const report = await runForInsight(h, incident('xsoar-nocert'));
    expect(report.status).toBe('failed');
    expect(seen).toHaveLength(0);
    expect(report.steps.soar.error).toContain(`step "soar" (xsoar.incident): POST https://127.0.0.1:${port}`);
  });

  it('speaks XSOAR 8: the key as Authorization, its ID as x-xdr-auth-id, under the /xsoar/public/v1 prefix, added once', async () => {
    for (const connection of ['xsoar8', 'xsoar8-prefixed']) {
      seen.length = 0;
      const report = await runForInsight(h, incident(connection));
      expect({ connection, status: report.status, output: report.steps.soar.output }).toEqual({ connection, status: 'completed', output: { incidentId: '4711' } });
      expect(seen).toHaveLength(1);
      expect(seen[0].url).toBe('/xsoar/public/v1/incident/json');
      expect(seen[0].headers).toMatchObject({ authorization: API_KEY, 'x-xdr-auth-id': KEY_ID, 'content-type': 'application/json', accept: 'application/json' });
    }
  });

  it('leaves XSOAR 6 without the key ID header and the prefix, and needs a keyId for XSOAR 8 in the configuration', async () => {
    seen.length = 0;
    await runForInsight(h, incident('xsoar'));
    expect(seen[0].url).toBe('/xsoar/incident/json');
    expect(seen[0].headers).not.toHaveProperty('x-xdr-auth-id');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-xsoar8-'));
    fs.writeFileSync(path.join(dir, 'riposte.config.json'), JSON.stringify({ connections: { soar: { type: 'apikey', url: 'https://api-soc.example.org', key: 'env:X', version: 8 } } }));
    expect(() => loadConfig({ RIPOSTE_CONFIG: path.join(dir, 'riposte.config.json') }, dir)).toThrow('connections.soar.keyId: XSOAR 8 needs the API key\'s ID: add "keyId" (shown next to the key under Settings > API Keys)');
  });

  it('refuses malformed extra header lines at validation with the line number', () => {
    const result = validateChain(incident('xsoar', { extraHeaders: 'x-ok: 1\nno colon here\nAuthorization: other' }));
    expect(result.problems).toEqual([
      { path: 'steps[0].with.extraHeaders', message: 'line 2: write one header per line as key: value' },
      { path: 'steps[0].with.extraHeaders', message: 'line 3: header "Authorization" is set by the action and cannot be overridden' },
    ]);
  });
});
