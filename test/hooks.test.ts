// Intake hooks over real HTTP: each format with the vendor's published body, the three ways to present the secret, repeat deliveries, refusals, the log.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ruleWorkflowId } from '../dsl';
import { readRun } from '../control/client';
import { createApi, listenApi } from '../api/api';
import { ConfigError, loadConfig } from '../config/config';
import { eventRunId } from '../control/events';
import { alertmanagerStart, jsonStart, presentedSecrets, resolvePointer, splunkStart } from '../api/hooks';
import { TRIGGER_ID_PATTERN } from '../control/job-runs';
import { changeRule, ruleStatus } from '../control/rule-guard';
import { startHarness, startPeer, type Harness } from './helpers';
import { CLOUD_SIEM_URL, vendorFixture } from './insight-fixtures';
import { recordTestSecret } from './secrets-ledger';
import { createLogger } from '../config/log';

const SPLUNK = 'splunk-hook-s3cr3t-0123456789abcdef';
const CSE = 'cse-hook-s3cr3t-0123456789abcdef';
const AM = 'am-hook-s3cr3t-0123456789abcdef';
const KIBANA = 'kibana-hook-s3cr3t-0123456789abcdef';
const suffix = crypto.randomUUID().slice(0, 8);
const rule = `HOOK-${suffix}`;
const fixtureText = (file: string) => fs.readFileSync(path.join(__dirname, 'fixtures', 'vendor', file), 'utf8');

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let app: FastifyInstance;
let base: string;
const logged: string[] = [];

function writeJob(name: string, chain: object) {
  fs.writeFileSync(path.join(h.config.jobsDir, `${name}.json`), JSON.stringify({ name, ...chain }, null, 2));
}
const send = (hookPath: string, body: Record<string, string>) => ({ id: 'send', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: hookPath, body } });
const eachSend = (hookPath: string, body: Record<string, string>) => ({ ...send(hookPath, body), mode: 'each' });
const received = (hookPath: string) => peer.received.filter((r) => r.url === hookPath).map((r) => JSON.parse(r.body) as Record<string, string>);

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const settle = (runId: string) => readRun(h.client.workflow.getHandle(runId), { wait: true, store: h.store });

beforeAll(async () => {
  for (const [label, value] of [['Splunk hook secret', SPLUNK], ['Cloud SIEM hook secret', CSE], ['Alertmanager hook secret', AM], ['Kibana hook secret', KIBANA]]) recordTestSecret(label, value);
  process.env.RIPOSTE_TEST_CSE_HOOK = CSE;
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
    config.cloudSiem.url = CLOUD_SIEM_URL;
    config.api.hooks = {
      splunk: { format: 'splunk', job: 'splunk-alert', secret: SPLUNK },
      cse: { format: 'sumo-insight', secret: 'env:RIPOSTE_TEST_CSE_HOOK' },
      'cse-one': { format: 'sumo-insight', job: 'cse-closed', secret: CSE },
      am: { format: 'alertmanager', job: 'am-page', secret: AM },
      kibana: { format: 'json', job: 'kibana-triage', resultsPath: '/context/alerts', triggerIdPath: '/id', secret: KIBANA },
      anyjson: { format: 'json', job: 'kibana-triage', secret: KIBANA },
      'to-nowhere': { format: 'splunk', job: 'no-such-job', secret: SPLUNK },
      'to-inactive': { format: 'splunk', job: 'switched-off', secret: SPLUNK },
      'to-guarded': { format: 'alertmanager', job: 'guarded', secret: AM },
    };
  });
  h.config.temporal.taskQueue = h.taskQueue;
  fs.mkdirSync(h.config.jobsDir, { recursive: true });
  writeJob('splunk-alert', { steps: [send('/splunk', { sourcetype: '{{result.sourcetype}}', count: '{{result.count}}', sid: '{{trigger.splunk.sid}}', app: '{{trigger.splunk.app}}', link: '{{trigger.splunk.results_link}}', hook: '{{trigger.hook}}' })] });
  writeJob('cse-created', { on: ['insight.created'], steps: [send('/cse-created', { insight: '{{trigger.insight.readableId}}', status: '{{trigger.insight.status.displayName}}', link: '{{trigger.insightView.link}}' })] });
  writeJob('cse-closed', { on: ['insight.closed'], steps: [send('/cse-closed', { insight: '{{trigger.insight.readableId}}', status: '{{trigger.insight.status.name}}', tactics: '{{#each trigger.insightView.tactics}}{{label}};{{/each}}' })] });
  writeJob('am-page', { steps: [eachSend('/am', { instance: '{{result.labels.instance}}', status: '{{result.status}}', fingerprint: '{{result.fingerprint}}', group: '{{trigger.alertmanager.groupKey}}' })] });
  writeJob('kibana-triage', { steps: [eachSend('/kibana', { rule: '{{result.rule_name}}', host: '{{result.host}}', id: '{{trigger.id}}' })] });
  writeJob('switched-off', { active: false, steps: [send('/never', { x: '1' })] });
  writeJob('guarded', { rule, steps: [send('/never', { x: '1' })] });
  // The request log's messages, as the API's JSON log events carry them.
  const destination = { write: (line: string) => logged.push((JSON.parse(line) as { msg: string }).msg) > 0 } as unknown as NodeJS.WritableStream;
  app = await createApi({ config: h.config, client: h.client, store: h.store, logger: createLogger({ format: 'json', destination }) });
  base = await listenApi(app, '127.0.0.1:0');
});

afterAll(async () => {
  await h?.client.workflow
    .getHandle(ruleWorkflowId(rule))
    .terminate('test over')
    .catch(() => undefined);
  await app?.close();
  await h?.close();
  await peer?.close();
});

describe('the splunk hook', () => {
  it("starts one run from Splunk's published webhook payload posted verbatim, and the same payload again starts nothing new", async () => {
    const body = fixtureText('splunk/webhook-alert-action.json');
    const first = await post(`/v1/hooks/splunk/${SPLUNK}`, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ runId: 'splunk-alert-scheduler_admin_search_W2_at_14232356_132', job: 'splunk-alert', created: true });
    const again = await post(`/v1/hooks/splunk/${SPLUNK}`, body);
    expect([again.status, again.body.runId, again.body.created]).toEqual([200, first.body.runId, false]);
    expect((await settle(first.body.runId)).status).toBe('completed');
    expect(received('/splunk')).toEqual([
      { sourcetype: 'mongod', count: '8', sid: 'scheduler_admin_search_W2_at_14232356_132', app: 'search', link: 'http://web.example.local:8000/app/search/@go?sid=scheduler_admin_search_W2_at_14232356_132', hook: 'splunk' },
    ]);
  });

  it('takes the secret as a Bearer token, as the password of Basic auth under any user name, or as the last path segment', async () => {
    const body = JSON.stringify({ ...vendorFixture('splunk/webhook-alert-action.json'), sid: `auth-${suffix}` });
    expect((await post('/v1/hooks/splunk', body, { authorization: `Bearer ${SPLUNK}` })).status).toBe(201);
    expect((await post('/v1/hooks/splunk', body, basic('splunk', SPLUNK))).status).toBe(200);
    expect((await post('/v1/hooks/splunk', body, basic('', SPLUNK))).status).toBe(200);
    expect((await post(`/v1/hooks/splunk/${SPLUNK}`, body)).status).toBe(200);
    for (const headers of [{}, { authorization: `Bearer ${CSE}` }, basic(SPLUNK, 'wrong'), { authorization: `Basic ${SPLUNK}` }]) {
      const refused = await post('/v1/hooks/splunk', body, headers);
      expect([refused.status, refused.body.error]).toEqual([401, 'give hook "splunk"\'s secret: Authorization: Bearer <secret>, the password of Basic auth, or /v1/hooks/splunk/<secret>']);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="riposte", Basic realm="riposte"');
    }
    expect((await post(`/v1/hooks/splunk/${CSE}`, body)).status).toBe(401);
    expect((await post(`/v1/hooks/nosuch/${SPLUNK}`, body)).status).toBe(404);
  });

  it('never writes the secret of the path into the request log: it logs the route pattern', async () => {
    logged.length = 0;
    await post(`/v1/hooks/splunk/${SPLUNK}`, JSON.stringify({ ...vendorFixture('splunk/webhook-alert-action.json'), sid: `log-${suffix}` }));
    await post(`/v1/hooks/splunk/${SPLUNK}/extra`, '{}');
    await fetch(`${base}/v1/hooks/splunk/${SPLUNK}`);
    expect(logged).toEqual(['POST /v1/hooks/:hook/:secret 201', 'POST /v1/hooks/* 404', 'GET /v1/hooks/* 405']);
  });

  it('refuses a body without a sid, naming the field, and refuses jobs that are missing, inactive or behind a disabled rule', async () => {
    const refused = await post(`/v1/hooks/splunk/${SPLUNK}`, JSON.stringify({ result: { count: '1' } }));
    expect(refused).toMatchObject({ status: 400, body: { problems: [{ path: 'sid', message: 'missing; give a string' }] } });
    const body = fixtureText('splunk/webhook-alert-action.json');
    expect(await post(`/v1/hooks/to-nowhere/${SPLUNK}`, body)).toMatchObject({ status: 404, body: { error: 'hook "to-nowhere" names job "no-such-job", which is not in the jobs directory' } });
    expect(await post(`/v1/hooks/to-inactive/${SPLUNK}`, body)).toMatchObject({ status: 409, body: { error: expect.stringContaining('job "switched-off" is inactive') } });
    await changeRule(h.client, h.config, rule, 'disable');
    await vi.waitFor(
      async () => {
        if ((await ruleStatus(h.client, h.config, rule)).enabled) throw new Error('not disabled yet');
      },
      { timeout: 20_000, interval: 250 },
    );
    const guarded = await post(`/v1/hooks/to-guarded/${AM}`, fixtureText('alertmanager/webhook-firing.json'));
    expect(guarded).toMatchObject({ status: 409, body: { error: `job "guarded" is not started: rule "${rule}" is disabled (disabled by hand); enable it with \`riposte rule enable ${rule}\`` } });
  });

  it('keeps every hostile sid and result value as data: a trigger id either way, a refusal at most, never a 500', async () => {
    const hostile = vendorFixture<Record<string, string>>('../hostile-values.json');
    for (const [name, value] of Object.entries(hostile).filter(([k]) => k !== '$comment')) {
      const answer = await post(`/v1/hooks/splunk/${SPLUNK}`, JSON.stringify({ result: { sourcetype: value, [value]: value }, sid: `${value}`, search_name: value, owner: value, app: value, results_link: value }));
      // Fastify refuses a "__proto__" key as a whole (400); everything else starts a run.
      expect({ name, status: answer.status }).toEqual({ name, status: name === 'protoKey' ? 400 : 201 });
      if (answer.status !== 201) continue;
      const id = (answer.body.runId as string).slice('splunk-alert-'.length);
      expect({ name, id: TRIGGER_ID_PATTERN.test(id) }).toEqual({ name, id: true });
    }
  });
});

describe('the sumo-insight hook', () => {
  it('fires insight.created for the published Insight posted as Cloud SIEM HTTP POST v2 does (bare, Basic auth), once', async () => {
    const insight = vendorFixture<{ id: string }>('sumologic/insight-payload-example.json');
    const first = await post('/v1/hooks/cse', JSON.stringify(insight), basic('cloud-siem', CSE));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ event: 'insight.created', eventId: insight.id, runs: [{ job: 'cse-created', runId: eventRunId('insight.created', insight.id, 'cse-created'), started: true }] });
    const again = await post('/v1/hooks/cse', JSON.stringify({ data: insight, errors: [] }), basic('cloud-siem', CSE));
    expect(again.body.runs).toEqual([expect.objectContaining({ started: false })]);
    await settle(first.body.runs[0].runId);
    expect(received('/cse-created')).toEqual([{ insight: 'INSIGHT-637', status: 'New', link: `${CLOUD_SIEM_URL}/sec/insight/${insight.id}` }]);
  });

  it('fires insight.closed for a closed Insight in the API envelope, and only the named job when the hook names one', async () => {
    const body = fixtureText('sumologic/api-insight-details.json');
    const fired = await post('/v1/hooks/cse-one', body, { authorization: `Bearer ${CSE}` });
    expect(fired.status).toBe(202);
    expect(fired.body).toMatchObject({ event: 'insight.closed', eventId: '00853cdd-763e-3e31-a2e4-f74277922f9f', runs: [{ job: 'cse-closed', started: true }] });
    await settle(fired.body.runs[0].runId);
    expect(received('/cse-closed')).toEqual([{ insight: 'INSIGHT-220', status: 'closed', tactics: 'Defense Evasion (TA0005);Execution (TA0002);Initial Access (TA0001);Command and Control (TA0011);' }]);
    const bad = await post('/v1/hooks/cse', JSON.stringify({ data: null, errors: [{ message: 'not found' }] }), basic('x', CSE));
    expect(bad).toMatchObject({ status: 400, body: { problems: [{ path: 'data', message: expect.stringContaining('the envelope holds no Insight') }] } });
  });
});

describe('the alertmanager hook', () => {
  it('makes each alert of the body Alertmanager sent a result; a resolution is a new trigger, the same notification again is not', async () => {
    const firing = fixtureText('alertmanager/webhook-firing.json');
    const first = await post('/v1/hooks/am', firing, { authorization: `Bearer ${AM}` });
    expect(first.status).toBe(201);
    expect(first.body.runId).toMatch(/^am-page-am-[0-9a-f]{40}$/);
    expect((await post('/v1/hooks/am', firing, { authorization: `Bearer ${AM}` })).body).toMatchObject({ runId: first.body.runId, created: false });
    const resolved = await post(`/v1/hooks/am/${AM}`, fixtureText('alertmanager/webhook-some-resolved.json'));
    expect(resolved.status).toBe(201);
    expect(resolved.body.runId).not.toBe(first.body.runId);
    await settle(first.body.runId);
    await settle(resolved.body.runId);
    const group = '{}:{alertname="SSHBruteForce"}';
    // The two runs may interleave: compare what arrived, in any order.
    const order = (list: object[]) => list.map((x) => JSON.stringify(x)).sort();
    expect(order(received('/am'))).toEqual(order([
      { instance: 'bastion-01:9100', status: 'firing', fingerprint: '702abcfd71b3aa65', group },
      { instance: 'bastion-02:9100', status: 'firing', fingerprint: 'db5e92ddd0772f64', group },
      { instance: 'bastion-01:9100', status: 'resolved', fingerprint: '702abcfd71b3aa65', group },
      { instance: 'bastion-02:9100', status: 'firing', fingerprint: 'db5e92ddd0772f64', group },
    ]));
  });

  it('refuses a body that is not an Alertmanager notification, naming the fields', async () => {
    const refused = await post(`/v1/hooks/am/${AM}`, JSON.stringify({ alerts: [{ labels: {} }] }));
    expect(refused).toMatchObject({ status: 400, body: { problems: [{ path: 'groupKey', message: 'missing; give a string' }, { path: 'alerts[0].fingerprint', message: 'missing; give a string' }] } });
  });
});

describe('the json hook', () => {
  // Elastic leaves a Kibana webhook connector's body to the user; this is the one docs/triggers.md shows.
  const kibanaBody = (id: string) => ({ id, rule: { id: 'b3f1', name: 'Brute force' }, context: { alerts: [{ rule_name: 'Brute force', host: 'web-01' }, { rule_name: 'Brute force', host: 'web-02' }] } });

  it('takes the results and the trigger id where the JSON Pointers say, and the same id again starts nothing new', async () => {
    const first = await post(`/v1/hooks/kibana/${KIBANA}`, JSON.stringify(kibanaBody(`kb-${suffix}`)));
    expect([first.status, first.body.runId]).toEqual([201, `kibana-triage-kb-${suffix}`]);
    expect((await post(`/v1/hooks/kibana/${KIBANA}`, JSON.stringify({ ...kibanaBody(`kb-${suffix}`), note: 'resent' }))).status).toBe(200);
    await settle(first.body.runId);
    expect(received('/kibana')).toEqual([
      { rule: 'Brute force', host: 'web-01', id: `kb-${suffix}` },
      { rule: 'Brute force', host: 'web-02', id: `kb-${suffix}` },
    ]);
    const missing = await post(`/v1/hooks/kibana/${KIBANA}`, JSON.stringify({ id: 'x', context: {} }));
    expect(missing).toMatchObject({ status: 400, body: { problems: [{ path: '/context/alerts', message: expect.stringContaining('resultsPath "/context/alerts" names nothing in the body') }] } });
  });

  it('without pointers takes the body as the result and a digest of it as the trigger id', async () => {
    const body = JSON.stringify({ rule_name: 'Port scan', host: `scan-${suffix}` });
    const first = await post(`/v1/hooks/anyjson/${KIBANA}`, body);
    expect(first.body.runId).toMatch(/^kibana-triage-body-[0-9a-f]{40}$/);
    expect((await post(`/v1/hooks/anyjson/${KIBANA}`, body)).body).toMatchObject({ runId: first.body.runId, created: false });
  });
});

describe('hook formats and configuration', () => {
  it('parse the vendor bodies into results, trigger ids and trigger fields', () => {
    expect(splunkStart(vendorFixture('splunk/webhook-alert-action.json'))).toEqual({
      results: [{ sourcetype: 'mongod', count: '8' }],
      triggerId: 'scheduler_admin_search_W2_at_14232356_132',
      trigger: { splunk: { sid: 'scheduler_admin_search_W2_at_14232356_132', results_link: 'http://web.example.local:8000/app/search/@go?sid=scheduler_admin_search_W2_at_14232356_132', search_name: null, owner: 'admin', app: 'search' } },
    });
    const am = alertmanagerStart(vendorFixture('alertmanager/webhook-firing.json'));
    expect(am.results.map((r) => r.fingerprint)).toEqual(['702abcfd71b3aa65', 'db5e92ddd0772f64']);
    expect(am.trigger.alertmanager).toMatchObject({ version: '4', groupKey: '{}:{alertname="SSHBruteForce"}', status: 'firing', receiver: 'riposte', truncatedAlerts: 0 });
    expect(resolvePointer({ 'a/b': [{ '~k': 1 }] }, '/a~1b/0/~0k')).toEqual({ found: true, value: 1 });
    expect(resolvePointer({ a: 1 }, '/__proto__')).toEqual({ found: false });
    expect(() => jsonStart({ r: [1] }, { format: 'json', job: 'j', secret: 's', resultsPath: '/r' })).toThrow('/r/0: each result must be a JSON object');
    expect(presentedSecrets(`Basic ${Buffer.from('user:pa:ss').toString('base64')}`, 'seg')).toEqual(['seg', 'pa:ss']);
  });

  it('refuse a hook with a short secret, an unknown format, or a bad pointer, naming the setting', async () => {
    const dir = fs.mkdtempSync(path.join(h.dataDir, 'cfg-'));
    const file = path.join(dir, 'riposte.config.json');
    const load = (hooks: object) => {
      fs.writeFileSync(file, JSON.stringify({ api: { hooks } }));
      return loadConfig({ RIPOSTE_CONFIG: file }, dir);
    };
    expect(() => load({ x: { format: 'syslog', job: 'j', secret: 's' } })).toThrow('api.hooks.x.format: give "format": one of splunk, sumo-insight, alertmanager, json');
    expect(() => load({ x: { format: 'json', job: 'j', secret: 's', resultsPath: 'context/alerts' } })).toThrow('api.hooks.x.resultsPath: write a JSON Pointer');
    const short = load({ x: { format: 'splunk', job: 'j', secret: 'short' } });
    await expect(createApi({ config: short, client: h.client, store: h.store })).rejects.toThrow(new ConfigError('api.hooks.x.secret: use at least 16 characters (make one with `openssl rand -hex 32`)'));
  });
});
