// The intake API as a SIEM calls it over real HTTP: auth, validation, size limit, idempotent starts, run reports, events.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, listenApi } from '../api/api';
import { watchProgress } from '../control/progress';
import { startHarness, startPeer, type Harness } from './helpers';
import { expectNoTestSecrets, recordTestSecret } from './secrets-ledger';
import { createLogger } from '../config/log';

const curl = promisify(execFile);
const WRITER = 'siem-writer-s3cr3t-token-0123456789abcdef';
const READER = 'soc-reader-s3cr3t-token-0123456789abcdef';

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let app: FastifyInstance;
let base: string;
const logged: string[] = [];

function writeJob(name: string, chain: object) {
  fs.writeFileSync(path.join(h.config.jobsDir, `${name}.json`), JSON.stringify(chain, null, 2));
}

async function call(method: string, url: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  expectNoTestSecrets(`the API answer to ${method} ${url}`, text);
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function waitForRun(runId: string) {
  for (;;) {
    const run = await call('GET', `/v1/runs/${encodeURIComponent(runId)}`, { token: READER });
    if (run.body.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  recordTestSecret('API writer token', WRITER);
  recordTestSecret('API reader token', READER);
  recordTestSecret('unconfigured API token', 'not-a-configured-s3cr3t-token');
  process.env.RIPOSTE_TEST_API_WRITER = WRITER;
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
    config.api.bodyLimit = 64 * 1024;
    config.api.tokens = [
      { name: 'siem', token: 'env:RIPOSTE_TEST_API_WRITER', scopes: ['runs:write', 'runs:read', 'events:write'] },
      { name: 'soc-dashboard', token: READER, scopes: ['runs:read', 'incidents:read'] },
    ];
  });
  h.config.temporal.taskQueue = h.taskQueue;
  fs.mkdirSync(h.config.jobsDir, { recursive: true });
  writeJob('ssh-bruteforce', {
    name: 'ssh-bruteforce',
    params: { hookPort: peer.port },
    steps: [
      { id: 'incident', action: 'incident.create', mode: 'each', with: { title: 'SSH brute force from {{result.src_ip}}', severity: 'high' } },
      { id: 'notify', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: '{{params.hookPort}}', path: '/alerts', body: { hits: '{{results.length}}', first: '{{result.src_ip}}' } } },
    ],
  });
  writeJob('retired', { name: 'retired', active: false, steps: [{ id: 'log', action: 'events.log' }] });
  writeJob('insight-triage', {
    name: 'insight-triage',
    on: ['insight.created'],
    steps: [{ id: 'incident', action: 'incident.create', with: { title: 'Triage {{trigger.insight.readableId}}: {{trigger.insight.name}}', severity: 'medium' } }],
  });
  const destination = { write: (line: string) => logged.push(line) > 0 } as unknown as NodeJS.WritableStream;
  app = await createApi({ config: h.config, client: h.client, store: h.store, uiUrl: 'http://127.0.0.1:8233', logger: createLogger({ destination, format: 'json' }) });
  base = await listenApi(app, '127.0.0.1:0');
});

afterAll(async () => {
  await app?.close();
  await h?.close();
  await peer?.close();
});

describe('intake API', () => {
  it('starts a job run from a SIEM curl call and reads its outcome, steps and incidents', async () => {
    const results = [{ src_ip: '198.51.100.7' }, { src_ip: '198.51.100.8' }];
    const { stdout } = await curl('curl', ['-sS', '-X', 'POST', `${base}/v1/jobs/ssh-bruteforce/runs`, '-H', `Authorization: Bearer ${WRITER}`, '-H', 'Content-Type: application/json', '-H', 'Idempotency-Key: alert-4711', '-d', JSON.stringify({ results })]);
    const started = JSON.parse(stdout);
    // The link names the run itself: the Temporal UI refuses one without the run id.
    const runId = (await h.client.workflow.getHandle('ssh-bruteforce-alert-4711').describe()).runId;
    expect(started).toEqual({
      runId: 'ssh-bruteforce-alert-4711',
      job: 'ssh-bruteforce',
      created: true,
      url: `http://127.0.0.1:8233/namespaces/default/workflows/ssh-bruteforce-alert-4711/${runId}/history`,
    });

    const run = await waitForRun(started.runId);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ runId: 'ssh-bruteforce-alert-4711', status: 'completed', url: started.url });
    expect(run.body.steps.incident.status).toBe('completed');
    expect(run.body.steps.incident.outputs).toHaveLength(2);
    expect(run.body.steps.notify).toMatchObject({ status: 'completed', output: { status: 200 } });
    expect(peer.received.map((r) => JSON.parse(r.body))).toEqual([{ hits: '2', first: '198.51.100.7' }]);

    const incidents = await call('GET', '/v1/incidents?job=ssh-bruteforce', { token: READER });
    expect(incidents.status).toBe(200);
    expect(incidents.body.map((i: { title: string }) => i.title).sort()).toEqual(['SSH brute force from 198.51.100.7', 'SSH brute force from 198.51.100.8']);
  });

  it('starts one run for the same trigger id given twice, and answers the second call with the same run id', async () => {
    const body = { results: [{ src_ip: '203.0.113.9' }], triggerId: 'alert-9001' };
    const first = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: WRITER, body });
    await waitForRun(first.body.runId);
    const second = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: WRITER, body });
    const third = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: WRITER, body: { results: body.results }, headers: { 'Idempotency-Key': 'alert-9001' } });
    expect(first.status).toBe(201);
    expect([second.status, second.body.created, second.body.runId]).toEqual([200, false, first.body.runId]);
    expect([third.status, third.body.runId]).toEqual([200, first.body.runId]);
    const incidents = await h.store.listIncidents({ job: 'ssh-bruteforce' });
    expect(incidents.filter((i) => i.title === 'SSH brute force from 203.0.113.9')).toHaveLength(1);
  });

  it('starts a run of an inline chain and refuses an invalid one with every problem by path', async () => {
    const chain = { name: 'inline-log', steps: [{ id: 'log', action: 'events.log' }] };
    const ok = await call('POST', '/v1/runs', { token: WRITER, body: { chain, results: [{ a: 1 }, { a: 2 }] } });
    expect(ok.status).toBe(201);
    expect((await waitForRun(ok.body.runId)).body).toMatchObject({ status: 'completed', steps: { log: { status: 'completed', output: { lines: 2 } } } });

    const bad = await call('POST', '/v1/runs', {
      token: WRITER,
      body: { chain: { name: 'bad', steps: [{ id: 'incident', action: 'incident.create', with: { title: '' } }, { id: 'x', action: 'email.sendd' }] }, results: [{ a: 1 }, 'oops'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([{ path: 'results[1]', message: 'each result must be a JSON object' }]);
    const badChain = await call('POST', '/v1/runs', { token: WRITER, body: { chain: { name: 'bad', steps: [{ id: 'incident', action: 'incident.create', with: { title: '' } }, { id: 'x', action: 'email.sendd' }] } } });
    expect(badChain.status).toBe(400);
    expect(badChain.body.problems).toEqual([
      { path: 'chain.steps[0].with.title', message: 'give the incident a title' },
      { path: 'chain.steps[1].action', message: expect.stringContaining('unknown action "email.sendd"') },
    ]);
  });

  it('answers 401 without a valid token and 403 for a token without the route scope, and never logs the token', async () => {
    const none = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { body: {} });
    const wrong = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: 'not-a-configured-s3cr3t-token', body: {} });
    const reader = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: READER, body: {} });
    const writerReadsIncidents = await call('GET', '/v1/incidents', { token: WRITER });
    expect([none.status, wrong.status, reader.status, writerReadsIncidents.status]).toEqual([401, 401, 403, 403]);
    expect(reader.body.error).toBe('token "soc-dashboard" lacks the scope "runs:write"');
    expect(writerReadsIncidents.body.error).toBe('token "siem" lacks the scope "incidents:read"');
    const events = logged.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ event: 'http.request', method: 'POST', route: '/v1/jobs/:name/runs', status: 403, tokenName: 'soc-dashboard', level: 'info' }));
    expect(logged.join('\n')).not.toContain(WRITER);
    expect(logged.join('\n')).not.toContain(READER);
  });

  it('refuses bad bodies with 400 and paths, a body over the limit with 413, unknown jobs with 404 and inactive ones with 409', async () => {
    const badParams = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: WRITER, body: { results: {}, params: [], extra: 1 } });
    expect(badParams.status).toBe(400);
    expect(badParams.body.problems.map((p: { path: string }) => p.path).sort()).toEqual(['', 'params', 'results']);
    const malformed = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: WRITER, raw: '{"results": [' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.problems[0].message).toMatch(/^malformed JSON/);
    const badKey = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: WRITER, body: {}, headers: { 'Idempotency-Key': 'has spaces' } });
    expect(badKey.body.problems).toEqual([{ path: 'Idempotency-Key', message: expect.any(String) }]);

    const big = await call('POST', '/v1/jobs/ssh-bruteforce/runs', { token: WRITER, body: { results: [{ blob: 'x'.repeat(70 * 1024) }] } });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('the request body is larger than 65536 bytes (api.bodyLimit)');

    const unknown = await call('POST', '/v1/jobs/no-such-job/runs', { token: WRITER, body: {} });
    expect([unknown.status, unknown.body.error]).toEqual([404, 'no job "no-such-job" in the jobs directory']);
    const inactive = await call('POST', '/v1/jobs/retired/runs', { token: WRITER, body: {} });
    expect(inactive.status).toBe(409);
    expect(inactive.body.error).toMatch(/^job "retired" is inactive/);
    const noRun = await call('GET', '/v1/runs/no-such-run', { token: READER });
    expect(noRun.status).toBe(404);
  });

  it('starts the jobs subscribed to an Insight event once per Insight, with the Insight in the trigger', async () => {
    const insight = { id: 'a1b2', readableId: 'INSIGHT-42', name: 'Lateral movement', entity: { entityType: '_ip', value: '10.0.0.5' }, severity: 'HIGH', created: '2026-11-23T01:00:00Z' };
    const fired = await call('POST', '/v1/events/insight.created', { token: WRITER, body: { insight } });
    expect(fired.status).toBe(202);
    expect(fired.body).toMatchObject({ event: 'insight.created', eventId: 'a1b2', skipped: [] });
    expect(fired.body.runs).toEqual([expect.objectContaining({ job: 'insight-triage', runId: 'event/insight.created/a1b2/insight-triage', started: true })]);
    await waitForRun(fired.body.runs[0].runId);
    const again = await call('POST', '/v1/events/insight.created', { token: WRITER, body: { insight } });
    expect(again.body.runs).toEqual([expect.objectContaining({ runId: 'event/insight.created/a1b2/insight-triage', started: false })]);
    expect((await h.store.listIncidents({ job: 'insight-triage' })).map((i) => i.title)).toEqual(['Triage INSIGHT-42: Lateral movement']);

    const closed = await call('POST', '/v1/events/insight.closed', { token: WRITER, body: { insight } });
    expect(closed.body.runs).toEqual([]);
    const badInsight = await call('POST', '/v1/events/insight.created', { token: WRITER, body: { insight: { ...insight, severity: 'SEVERE' } } });
    expect(badInsight.status).toBe(400);
    expect(badInsight.body.problems).toEqual([{ path: 'insight.severity', message: expect.any(String) }]);
  });

  it('refuses bad sensor and rule ids and counts with their field, and unknown event types', async () => {
    const bad = await call('POST', '/v1/events/rule.signals', { token: WRITER, body: { ruleId: 'MATCH-S00123', count: -1 } });
    expect(bad.body.problems).toEqual([{ path: 'count', message: expect.any(String) }]);
    const badSensor = await call('POST', '/v1/events/sensor.heartbeat', { token: WRITER, body: { sensorId: 'dmz sensor/1' } });
    expect([badSensor.status, badSensor.body.problems]).toEqual([400, [{ path: 'sensorId', message: expect.stringContaining('use letters, digits') }]]);
    const badRule = await call('POST', '/v1/events/rule.signals', { token: WRITER, body: { ruleId: 'rule/1', count: 3 } });
    expect([badRule.status, badRule.body.problems]).toEqual([400, [{ path: 'ruleId', message: expect.stringContaining('use letters, digits') }]]);
    expect((await call('POST', '/v1/events/sensor.exploded', { token: WRITER, body: {} })).status).toBe(404);
  });

  it('shows the live progress of a running each step, through the API and the progress lines of run --wait', async () => {
    // A peer that holds every request until the test lets it answer, so the run waits mid-step.
    const held: http.ServerResponse[] = [];
    const slow = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => held.push(res));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as { port: number }).port;
    const release = () => held.splice(0).forEach((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    try {
      const chain = { name: 'slow-hooks', steps: [{ id: 'hook', action: 'webhook.send', mode: 'each', concurrency: 1, with: { protocol: 'http', host: '127.0.0.1', port, body: { ip: '{{result.ip}}' } } }] };
      const started = await call('POST', '/v1/runs', { token: WRITER, body: { chain, results: [{ ip: 'a' }, { ip: 'b' }, { ip: 'c' }] } });
      const lines: string[] = [];
      const watcher = watchProgress(h.client.workflow.getHandle(started.body.runId), (l) => lines.push(l), 100);
      const progressAt = async (done: number) => {
        for (;;) {
          const run = await call('GET', `/v1/runs/${started.body.runId}`, { token: READER });
          if (run.body.progress?.done === done && held.length === 1) return run.body;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const first = await progressAt(0);
      expect(first).toMatchObject({ status: 'running', progress: { currentStep: 'hook', done: 0, total: 3 } });
      while (!lines.includes('  ... step "hook": 0/3 results')) await new Promise((r) => setTimeout(r, 50));
      release();
      expect((await progressAt(1)).progress).toEqual({ currentStep: 'hook', done: 1, total: 3 });
      while (!lines.includes('  ... step "hook": 1/3 results')) await new Promise((r) => setTimeout(r, 50));
      release();
      await progressAt(2);
      release();
      const done = await waitForRun(started.body.runId);
      watcher.stop();
      expect(done.body).toMatchObject({ status: 'completed', steps: { hook: { status: 'completed' } } });
      expect(done.body.progress).toBeUndefined();
      expect(lines.slice(0, 2)).toEqual(['  ... step "hook": 0/3 results', '  ... step "hook": 1/3 results']);
    } finally {
      release();
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });

  it('refuses to start with a token whose environment variable is unset or that is too short to be safe', async () => {
    const withTokens = (token: string) => ({ ...h.config, api: { ...h.config.api, tokens: [{ name: 'x', token, scopes: ['runs:read' as const] }] } });
    await expect(createApi({ config: withTokens('env:RIPOSTE_TEST_NO_SUCH_TOKEN'), client: h.client, store: h.store })).rejects.toThrow('api.tokens[0].token: environment variable RIPOSTE_TEST_NO_SUCH_TOKEN is not set');
    await expect(createApi({ config: withTokens('short'), client: h.client, store: h.store })).rejects.toThrow('api.tokens[0].token: use at least 16 characters');
  });

  it('serves its OpenAPI document without a token', async () => {
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).sort()).toEqual(['/healthz', '/readyz', '/v1/approvals', '/v1/approvals/decisions', '/v1/events/{type}', '/v1/hooks/{hook}', '/v1/hooks/{hook}/{secret}', '/v1/incidents', '/v1/jobs/{name}/runs', '/v1/rules/{id}', '/v1/runs', '/v1/runs/{id}', '/v1/sensors', '/v1/sensors/{id}']);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.body.paths['/v1/jobs/{name}/runs'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('results');
  });
});
