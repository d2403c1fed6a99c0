// Hostile results against the trust rule (results are data, never steering): every corpus value through webhook.send's templated fields, secrets, destinations, budgets, inline chains.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../dsl';
import { encryptSecret } from '../config/secrets';
import { createApi, listenApi } from '../api/api';
import { startHarness, startPeer, type Harness } from './helpers';
import { runForInsight, sampleInsight } from './insight-fixtures';
import { expectNoTestSecrets, recordTestSecret } from './secrets-ledger';

const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, string>;
const values = Object.entries(corpus).filter(([k]) => k !== '$comment');

const CANARY = 'hostile-canary-s3cret-value';
const BEARER = 'hostile-bearer-s3cret-token';
const ENC_PLAIN = 'enc-plain-s3cret-value';
const SMTP_PASS = 'hostile-smtp-s3cret-pw';
const API_TOKEN = 'hostile-api-s3cret-token-0123456789';
const KEY = Buffer.alloc(32, 7).toString('base64');

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let other: Awaited<ReturnType<typeof startPeer>>;
let smtp: SMTPServer;
let smtpPort: number;
let app: FastifyInstance;
let base: string;
let encrypted: string;

beforeAll(async () => {
  process.env.RIPOSTE_HOSTILE_CANARY = CANARY;
  process.env.RIPOSTE_TEST_HOSTILE_BEARER = BEARER;
  process.env.RIPOSTE_TEST_HOSTILE_SMTP = SMTP_PASS;
  process.env.RIPOSTE_TEST_HOSTILE_API = API_TOKEN;
  process.env.RIPOSTE_MASTER_KEY = KEY;
  encrypted = encryptSecret(ENC_PLAIN, Buffer.from(KEY, 'base64'));
  for (const [label, value] of [['hostile canary', CANARY], ['hostile bearer', BEARER], ['hostile enc plain', ENC_PLAIN], ['hostile SMTP password', SMTP_PASS], ['hostile API token', API_TOKEN]]) recordTestSecret(label, value);
  // The peer echoes what it received, as some do: whatever it echoes lands in the step output.
  peer = await startPeer((req) => ({ status: 200, body: { echo: { url: req.url, headers: req.headers } } }));
  other = await startPeer(() => ({ status: 200, body: { stolen: true } }));
  // An SMTP server that quotes the password it refused, as a careless one does.
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(Object.assign(new Error(`Invalid login: user ${auth.username} password ${auth.password}`), { responseCode: 535 }));
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as { port: number }).port;
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
    config.connections.hook = { type: 'http', url: `http://127.0.0.1:${peer.port}/base`, auth: { type: 'bearer', token: 'env:RIPOSTE_TEST_HOSTILE_BEARER' } };
    config.connections.smtp = { type: 'smtp', host: '127.0.0.1', port: smtpPort, secure: false, starttls: 'never', auth: { user: 'soc', pass: 'env:RIPOSTE_TEST_HOSTILE_SMTP' }, from: 'riposte@example.org' };
    config.api.tokens = [{ name: 'siem', token: 'env:RIPOSTE_TEST_HOSTILE_API', scopes: ['runs:write', 'runs:read'] }];
    config.allowedPorts = [peer.port];
  });
  h.config.temporal.taskQueue = h.taskQueue;
  fs.mkdirSync(h.config.jobsDir, { recursive: true });
  fs.writeFileSync(path.join(h.config.jobsDir, 'retired.json'), JSON.stringify({ name: 'retired', active: false, steps: [{ id: 'log', action: 'events.log' }] }));
  app = await createApi({ config: h.config, client: h.client, store: h.store });
  base = `http://${(await listenApi(app, '127.0.0.1:0')).replace(/^https?:\/\//, '')}`;
});
afterAll(async () => {
  await app?.close();
  await h?.close();
  await peer?.close();
  await other?.close();
  await new Promise((r) => smtp?.close(() => r(undefined)));
});

const fast = { initialInterval: '100ms', backoff: 1, maxAttempts: 3 };

describe('every corpus value through every templated field of webhook.send', () => {
  it('arrives as data at the connection origin, below its base path, or fails that result at once with a clear message', async () => {
    peer.received.length = 0;
    other.received.length = 0;
    const results = values.map(([name, v]) => ({ name, v }));
    const report = await h.run(
      {
        name: 'hostile-webhook',
        steps: [
          {
            id: 'hook',
            action: 'webhook.send',
            connection: 'hook',
            mode: 'each',
            onError: 'continue',
            retry: fast,
            with: { method: 'POST', path: '/echo/{{result.v}}/end', query: { q: '{{result.v}}' }, headers: { 'X-Value': '{{result.v}}' }, body: { v: '{{result.v}}', n: '{{result.name}}' } },
          },
        ],
      },
      results,
    );
    const step = report.steps.hook;
    const outputs = step.outputs as ({ status: number; body: unknown } | null)[];
    expect(other.received).toHaveLength(0);
    for (const [i, [name, v]] of values.entries()) {
      const got = peer.received.find((r) => JSON.parse(r.body).n === name);
      if (/[\r\n\0]|[^\u0000-\u00ff]/.test(v)) {
        // A header cannot carry it: the result fails as bad input, nothing is sent, nothing is retried.
        expect(got, name).toBeUndefined();
        expect(outputs[i], name).toBeNull();
        continue;
      }
      if (v === '..' || v === '.') continue;
      expect(got, name).toBeDefined();
      const url = new URL(got!.url, 'http://x');
      expect(url.pathname.startsWith('/base/echo/'), `${name}: ${url.pathname}`).toBe(true);
      expect(url.pathname.endsWith('/end'), name).toBe(true);
      expect(decodeURIComponent(url.pathname.slice('/base/echo/'.length, -'/end'.length)), name).toBe(v);
      expect(url.searchParams.get('q'), name).toBe(v);
      expect(got!.headers['x-value'], name).toBe(v.trim());
      expect(JSON.parse(got!.body).v, name).toBe(v);
      expect(got!.headers.authorization).toBe(`Bearer ${BEARER}`);
    }
    expect(step.error).toMatch(/header x-value: the value holds a line break, NUL or a character outside Latin-1/);
    // The secret references a result carried were sent as the text they are.
    const canaryAt = peer.received.find((r) => JSON.parse(r.body).n === 'secretEnv')!;
    expect(canaryAt.headers['x-value']).toBe('env:RIPOSTE_HOSTILE_CANARY');
    expect(peer.received.some((r) => r.body.includes(CANARY) || JSON.stringify(r.headers).includes(CANARY))).toBe(false);
    // The peer echoed the bearer token: the step output holds it masked.
    expect(JSON.stringify(outputs)).not.toContain(BEARER);
    expect(JSON.stringify(outputs)).toContain('Bearer ***');
  });

  it('a dot segment from a result is refused rather than climbing out of the base path', async () => {
    peer.received.length = 0;
    const report = await h.run({ name: 'dots', steps: [{ id: 'hook', action: 'webhook.send', connection: 'hook', mode: 'each', onError: 'continue', retry: fast, with: { path: '/a/{{result.p}}/x' } }] }, [{ p: '..' }, { p: '.' }, { p: '%2e%2e' }]);
    expect(report.steps.hook.error).toMatch(/"\." and "\.\." segments are refused/);
    // "%2e%2e" is text: it arrives encoded as "%252e%252e", one segment.
    expect(peer.received.map((r) => r.url)).toEqual(['/base/a/%252e%252e/x']);
  });
});

describe('every corpus value in a token of http.post\'s URL', () => {
  it('stays one path segment at the literal origin, or fails the step at once for a NUL', async () => {
    for (const [name, v] of values) {
      peer.received.length = 0;
      const chain = { name: `hostile-post-${name.toLowerCase()}`, on: ['insight.created'], steps: [{ id: 'post', action: 'http.post', retry: fast, with: { url: `http://127.0.0.1:${peer.port}/in/{{trigger.insight.name}}/end` } }] };
      const report = await runForInsight(h, chain, sampleInsight({ name: v }), 'insight.created', `hostile-post-${name}-${crypto.randomUUID()}`);
      if (v.includes('\u0000')) {
        expect(report.steps.post.error, name).toMatch(/the URL path holds a NUL character/);
        expect(peer.received, name).toHaveLength(0);
        continue;
      }
      expect(report.status, name).toBe('completed');
      const url = new URL(peer.received[0].url, 'http://x');
      expect(url.pathname.startsWith('/in/') && url.pathname.endsWith('/end'), `${name}: ${url.pathname}`).toBe(true);
      expect(decodeURIComponent(url.pathname.slice('/in/'.length, -'/end'.length)), name).toBe(v);
      expect(url.search, name).toBe('');
    }
    expect(other.received).toHaveLength(0);
  });
});

describe('secret references', () => {
  it('are resolved where the chain wrote them, never where a result put them', async () => {
    peer.received.length = 0;
    const report = await h.run(
      {
        name: 'refs',
        steps: [{ id: 'hook', action: 'webhook.send', connection: 'hook', retry: fast, with: { headers: { 'X-Literal': encrypted, 'X-From-Result': '{{result.enc}}', 'X-Env': '{{result.env}}' } } }],
      },
      [{ enc: encrypted, env: 'env:RIPOSTE_HOSTILE_CANARY' }],
    );
    expect(report.status).toBe('completed');
    const got = peer.received[0];
    expect(got.headers['x-literal']).toBe(ENC_PLAIN);
    expect(got.headers['x-from-result']).toBe(encrypted);
    expect(got.headers['x-env']).toBe('env:RIPOSTE_HOSTILE_CANARY');
    // The echo of the decrypted literal is masked in the output.
    expect(JSON.stringify(report.steps.hook.output)).not.toContain(ENC_PLAIN);
  });

  it('a password a server quotes is masked in every failure, also once the transport is cached', async () => {
    for (let i = 0; i < 2; i++) {
      const report = await h.run({ name: `smtp-${i}`, steps: [{ id: 'mail', action: 'email.send', connection: 'smtp', retry: { ...fast, maxAttempts: 1 }, with: { to: ['soc@example.org'], subject: 's', body: 'b' } }] });
      expect(report.status).toBe('failed');
      expect(report.steps.mail.error).toMatch(/535/);
      expect(report.steps.mail.error).not.toContain(SMTP_PASS);
      expect(report.steps.mail.error).toContain('***');
    }
  });
});

describe('destinations', () => {
  it('refuses a token that picks the host unless the chain allows it', () => {
    const chain = (w: Record<string, unknown>) => ({ name: 'dest', steps: [{ id: 'hook', action: 'webhook.send', with: w }] });
    const refused = validateChain(chain({ host: '{{result.host}}', path: '/' }));
    expect(refused.ok).toBe(false);
    expect(refused.problems[0]).toMatchObject({ path: 'steps[0].with.host', message: expect.stringContaining('"dynamicHost": true') });
    expect(validateChain(chain({ host: '{{result.host}}', dynamicHost: true })).ok).toBe(true);
    const post = validateChain({ name: 'post', on: ['insight.created'], steps: [{ id: 'p', action: 'http.post', with: { url: '{{trigger.insight.name}}/x' } }] });
    expect(post.ok).toBe(false);
    expect(post.problems[0].message).toMatch(/scheme, host and port literally/);
  });

  it("never sends a connection's credentials to a host a result chose", async () => {
    other.received.length = 0;
    const report = await h.run(
      { name: 'dyn', steps: [{ id: 'hook', action: 'webhook.send', connection: 'hook', retry: fast, with: { port: '{{result.port}}', dynamicHost: true } }] },
      [{ port: other.port }],
    );
    expect(report.status).toBe('failed');
    expect(report.steps.hook.error).toMatch(/credentials go only to its own origin/);
    expect(other.received).toHaveLength(0);
  });
});

describe('bounded work', () => {
  it('fails a step whose templates would loop too long, with the step id, instead of wedging the run', async () => {
    const results = Array.from({ length: 400 }, (_, i) => ({ i }));
    const report = await h.run(
      { name: 'wedge', steps: [{ id: 'log', action: 'webhook.send', connection: 'hook', with: { body: '{{#each results}}{{#each ../results}}{{#each ../../results}}.{{/each}}{{/each}}{{/each}}' } }] },
      results,
    );
    expect(report.status).toBe('failed');
    expect(report.steps.log.error).toMatch(/with\.body: rendering would take more than 1,000,000 \{\{#each\}\} iterations/);
  });

  it('fails a step whose three nested each over 400 results pass the render budget, in its activity, and goes on to the next step', async () => {
    const results = Array.from({ length: 400 }, (_, i) => ({ i }));
    const nested = '{{#each results}}{{#each ../results}}{{#each ../../results}}.{{/each}}{{/each}}{{/each}}';
    const workflowId = `wedge-${crypto.randomUUID()}`;
    const report = await h.run(
      {
        name: 'wedge-goes-on',
        steps: [
          { id: 'when', action: 'events.log', when: nested, onError: 'continue', with: { message: 'never' } },
          { id: 'body', action: 'webhook.send', connection: 'hook', onError: 'continue', with: { body: nested } },
          { id: 'after', action: 'events.log', with: { message: 'went on after {{steps.body.status}}' } },
        ],
      },
      results,
      { workflowId },
    );
    expect(report.status).toBe('completed');
    expect(report.steps.when).toMatchObject({ status: 'failed', error: expect.stringMatching(/rendering would take more than 1,000,000 \{\{#each\}\} iterations/) });
    expect(report.steps.body).toMatchObject({ status: 'failed', error: expect.stringMatching(/^with\.body: rendering would take more than 1,000,000 \{\{#each\}\} iterations/) });
    expect(report.steps.after.status).toBe('completed');
    const events = (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    // The budget ran out in the activities, each tried once; no workflow task failed or timed out.
    expect(events.filter((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes)).toEqual([]);
    // events.log runs as a local activity (its failure is on its marker), webhook.send as a scheduled one.
    const failures = events.map((e) => e.activityTaskFailedEventAttributes?.failure ?? (e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? e.markerRecordedEventAttributes.failure : undefined)).filter(Boolean);
    expect(failures.map((f) => f?.applicationFailureInfo?.type)).toEqual(['TemplateError', 'TemplateError']);
    const converter = h.client.options.loadedDataConverter.payloadConverter;
    const markerAttempts = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').map((e) => (converter.fromPayload(e.markerRecordedEventAttributes!.details!.data!.payloads![0]) as { attempt: number }).attempt);
    expect(Math.max(...markerAttempts, ...events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0))).toBe(1);
  });

  it('refuses zero timeouts, unknown helpers, partials, the log helper, bad cron and time zones, prototype names and deep nesting', () => {
    const problems = (chain: unknown) => {
      const v = validateChain(chain);
      return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
    };
    const step = (extra: Record<string, unknown>) => ({ id: 's', action: 'events.log', ...extra });
    expect(problems({ name: 'a', steps: [step({ timeout: '0s' })] })).toEqual([expect.stringMatching(/^steps\[0\]\.timeout: a step timeout must be between 1s and 30d/)]);
    expect(problems({ name: 'a', steps: [step({ when: '{{log result}}' })] })[0]).toMatch(/unknown helper "log"/);
    expect(problems({ name: 'a', steps: [step({ when: '{{nope result}}' })] })[0]).toMatch(/unknown helper "nope"/);
    expect(problems({ name: 'a', steps: [step({ when: '{{> evil}}' })] })[0]).toMatch(/partials/);
    expect(problems({ name: 'a', schedule: { cron: '61 * * * *' }, steps: [step({})] })[0]).toMatch(/^schedule\.cron: not a cron expression/);
    expect(problems({ name: 'a', schedule: { cron: '0 * * * *', timezone: 'Mars/Olympus' }, steps: [step({})] })[0]).toMatch(/^schedule\.timezone: unknown time zone/);
    expect(problems({ name: 'a', steps: [step({ id: 'constructor' })] })[0]).toMatch(/^steps\[0\]\.id: this name belongs to every JavaScript object/);
    expect(problems({ name: 'a', steps: [{ id: 'w', action: 'webhook.send', connection: '__proto__', with: {} }] })[0]).toMatch(/^steps\[0\]\.connection: this name belongs/);
    expect(problems({ name: 'a', steps: [step({ id: `s${'x'.repeat(80)}` })] })[0]).toMatch(/at most 64 characters/);
    let deep: unknown = 'x';
    for (let i = 0; i < 5_000; i++) deep = { d: deep };
    expect(problems({ name: 'a', steps: [step({ with: deep })] })[0]).toMatch(/nests deeper than 32 levels/);
  });
});

describe('the secret scan of answers', () => {
  it('names the secret of a leaking answer by its label', () => {
    expect(() => expectNoTestSecrets('a made-up answer', { echo: `x${CANARY}y` })).toThrow('secret leak: hostile canary in a made-up answer');
    expect(() => expectNoTestSecrets('a clean answer', { echo: 'env:RIPOSTE_HOSTILE_CANARY' })).not.toThrow();
  });
});

describe('inline chains through the API', () => {
  const post = async (body: unknown) => {
    const response = await fetch(`${base}/v1/runs`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    expectNoTestSecrets('the API answer to POST /v1/runs', text);
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  };

  it('cannot name secrets', async () => {
    const answer = await post({ chain: { name: 'exfil', steps: [{ id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: other.port, headers: { 'X-Steal': 'env:RIPOSTE_HOSTILE_CANARY', 'X-Key': encrypted } } }] } });
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      { path: 'chain.steps[0].with.headers.X-Steal', message: expect.stringContaining('an inline chain cannot name a secret') },
      { path: 'chain.steps[0].with.headers.X-Key', message: expect.stringContaining('an inline chain cannot name a secret') },
    ]);
    expect(other.received).toHaveLength(0);
  });

  it("cannot take a job's name, and runs under ids no job run can have", async () => {
    const copy = await post({ chain: { name: 'retired', steps: [{ id: 'log', action: 'events.log' }] }, triggerId: 'alert-1' });
    expect(copy.status).toBe(409);
    expect(copy.body.error).toMatch(/is a job of the jobs directory/);
    const inline = await post({ chain: { name: 'adhoc', steps: [{ id: 'log', action: 'events.log' }] }, triggerId: 'alert-1' });
    expect(inline.status).toBe(201);
    expect(inline.body.runId).toBe('inline:adhoc-alert-1');
  });

  it('job.run does not start an inactive job', async () => {
    const report = await h.run({ name: 'starter', steps: [{ id: 'child', action: 'job.run', with: { job: 'retired' } }] });
    expect(report.status).toBe('failed');
    expect(report.steps.child.error).toMatch(/job "retired" is inactive/);
  });
});
