// Replay corpus: every inbound vendor fixture in by the path a deployment uses (hook or event endpoint), out through the connectors to loopback peers; asserts what arrived.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FireReport } from '../dsl';
import { startSmtpPeer } from '../scripts/smtp-peer';
import { readRun } from '../control/client';
import { createApi, listenApi } from '../api/api';
import { startHarness, startPeer, type Harness, type Received } from './helpers';
import { CLOUD_SIEM_URL, vendorFixture } from './insight-fixtures';
import { recordTestSecret } from './secrets-ledger';

// Not replayed: sumologic/api-insight-signals.json is a page of Signals, which no sender posts
// on its own; test/insight-view.test.ts reads its MITRE tags. Kibana has no fixture (its
// webhook body is user-defined, see test/fixtures/vendor/SOURCES.md).

const CSE_SECRET = 'replay-cse-s3cr3t-0123456789abcdef';
const SPLUNK_SECRET = 'replay-splunk-s3cr3t-0123456789ab';
const AM_SECRET = 'replay-am-s3cr3t-0123456789abcdef';
const API_TOKEN = 'replay-api-s3cr3t-token-0123456789';
const fixtureText = (file: string) => fs.readFileSync(path.join(__dirname, 'fixtures', 'vendor', file), 'utf8');

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let app: FastifyInstance;
let base: string;

/** Each peer answers as its vendor documents a success. */
function answer(req: Received) {
  if (req.url.endsWith('/chat.postMessage')) return { status: 200, body: { ok: true, channel: 'C024BE91L', ts: '1700000000.000100' } };
  if (req.url.startsWith('/pd/')) return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: (JSON.parse(req.body) as { dedup_key: string }).dedup_key } };
  if (req.url.startsWith('/hipchat/')) return { status: 204 };
  return { status: 200, body: { ok: true } };
}
const at = (prefix: string) => peer.received.filter((r) => r.url.startsWith(prefix));

function writeJob(name: string, chain: object) {
  fs.writeFileSync(path.join(h.config.jobsDir, `${name}.json`), JSON.stringify({ name, ...chain }, null, 2));
}

async function post(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

async function settle(report: FireReport) {
  const outcomes = await Promise.all(report.runs.map((r) => readRun(h.client.workflow.getHandle(r.runId), { wait: true, store: h.store })));
  for (const o of outcomes) expect({ run: o.runId, status: o.status, steps: o.steps }).toMatchObject({ run: o.runId, status: 'completed' });
  return outcomes;
}

beforeAll(async () => {
  for (const [label, value] of [['replay Cloud SIEM hook secret', CSE_SECRET], ['replay Splunk hook secret', SPLUNK_SECRET], ['replay Alertmanager hook secret', AM_SECRET], ['replay API token', API_TOKEN]]) recordTestSecret(label, value);
  process.env.RIPOSTE_TEST_REPLAY_KEY = 'replay-routing-key-0000000000000';
  recordTestSecret('replay PagerDuty and chat keys', process.env.RIPOSTE_TEST_REPLAY_KEY);
  peer = await startPeer(answer);
  smtp = await startSmtpPeer({});
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
    config.cloudSiem.url = CLOUD_SIEM_URL;
    config.allowedPorts.push(peer.port);
    config.connections = {
      ...config.connections,
      slack: { type: 'apikey', url: `${peer.url}/slack/api`, key: 'env:RIPOSTE_TEST_REPLAY_KEY' },
      hipchat: { type: 'apikey', url: `${peer.url}/hipchat`, key: 'env:RIPOSTE_TEST_REPLAY_KEY' },
      pd: { type: 'apikey', url: `${peer.url}/pd`, key: 'env:RIPOSTE_TEST_REPLAY_KEY' },
      soar: { type: 'http', url: `${peer.url}/soar/insights` },
      smtp: { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', from: 'riposte@example.org' },
    };
    config.api.tokens = [{ name: 'siem', token: API_TOKEN, scopes: ['events:write'] }];
    config.api.hooks = {
      cse: { format: 'sumo-insight', secret: CSE_SECRET },
      splunk: { format: 'splunk', job: 'replay-splunk', secret: SPLUNK_SECRET },
      am: { format: 'alertmanager', job: 'replay-am-page', secret: AM_SECRET },
    };
  });
  h.config.temporal.taskQueue = h.taskQueue;
  fs.mkdirSync(h.config.jobsDir, { recursive: true });
  const summaries = [
    { id: 'slack', action: 'slack.post', connection: 'slack', with: { channel: '#soc' } },
    { id: 'chat', action: 'hipchat.notify', connection: 'hipchat', with: { room: 'SOC' } },
    { id: 'page', action: 'pagerduty.trigger', connection: 'pd' },
    { id: 'mail', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', format: 'summary' } },
  ];
  writeJob('replay-cse-notify', { on: ['insight.created', 'insight.on_demand'], steps: [...summaries, { id: 'post', action: 'http.post', connection: 'soar', with: { includeSignals: true, includeRecords: true } }] });
  writeJob('replay-cse-closed', { on: ['insight.closed'], steps: [{ id: 'post', action: 'http.post', connection: 'soar', with: { includeSignals: true, includeRecords: true } }] });
  writeJob('replay-splunk', { steps: [{ id: 'send', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: '/splunk', body: { sourcetype: '{{result.sourcetype}}', count: '{{result.count}}', sid: '{{trigger.splunk.sid}}', owner: '{{trigger.splunk.owner}}' } } }] });
  writeJob('replay-am-page', { steps: [{ id: 'send', action: 'webhook.send', mode: 'each', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: '/am', body: { alert: '{{result.labels.alertname}}', instance: '{{result.labels.instance}}', status: '{{result.status}}' } } }] });
  app = await createApi({ config: h.config, client: h.client, store: h.store });
  base = await listenApi(app, '127.0.0.1:0');
});

afterAll(async () => {
  await app?.close();
  await h?.close();
  await peer?.close();
  await smtp?.close();
});

describe('Sumo Logic Cloud SIEM, in by the sumo-insight hook as HTTP POST v2 posts it', () => {
  it("fires a job for the published Insight whose summaries carry the entity, its tactic and the link, and whose http.post forwards the vendor's Insight intact", async () => {
    peer.received.length = 0;
    smtp.received.length = 0;
    const insight = vendorFixture('sumologic/insight-payload-example.json');
    const fired = await post('/v1/hooks/cse', fixtureText('sumologic/insight-payload-example.json'), basic('cloud-siem', CSE_SECRET));
    expect(fired.status).toBe(202);
    await settle(fired.body as unknown as FireReport);
    const link = `${CLOUD_SIEM_URL}/sec/insight/8e965194-f2da-36e0-839d-c2bacffca684`;
    // Every summary names the entity, the tactic Cloud SIEM gave (all four Signals: "Unknown/Other") and the link.
    const sent = [...at('/slack/').map((r) => r.body), ...at('/hipchat/').map((r) => r.body), ...at('/pd/').map((r) => r.body), smtp.received[0]?.parsed.text ?? ''];
    expect(sent).toHaveLength(4);
    for (const text of sent) {
      expect(text).toContain('_ip 192.0.2.0');
      expect(text).toContain('Unknown/Other');
      expect(text).toContain(link);
    }
    // HTTP POST v2: the JSON output of GET /insight/:id, { data, errors }, with the Insight exactly as sent.
    const [posted] = at('/soar/');
    expect(JSON.parse(posted.body)).toEqual({ data: insight, errors: [] });
    expect(posted.body).toBe(JSON.stringify({ data: insight, errors: [] }));
  });

  it('names ATT&CK tactics from the Signals stages of the API Insight, fired on demand at the event endpoint in its envelope', async () => {
    peer.received.length = 0;
    smtp.received.length = 0;
    const fired = await post('/v1/events/insight.on_demand', fixtureText('sumologic/api-insight-details.json'), { authorization: `Bearer ${API_TOKEN}`, 'idempotency-key': 'replay-on-demand-1' });
    expect(fired.status).toBe(202);
    await settle(fired.body as unknown as FireReport);
    const tactics = 'Defense Evasion (TA0005), Execution (TA0002), Initial Access (TA0001), Command and Control (TA0011)';
    expect(smtp.received[0].parsed.text).toContain(`MITRE tactics: ${tactics}`);
    expect(smtp.received[0].parsed.text).toContain('Entity: _hostname testcomputer.somedomain.net');
    expect(JSON.parse(at('/pd/')[0].body)).toMatchObject({ payload: { custom_details: { mitre_tactics: tactics.split(', '), link: `${CLOUD_SIEM_URL}/sec/insight/00853cdd-763e-3e31-a2e4-f74277922f9f` } } });
    expect(JSON.parse(at('/slack/')[0].body).text).toContain(`MITRE tactics: ${tactics}`);
    // The POST is the very answer of GET /sec/v1/insights/{id} the vendor published.
    expect(JSON.parse(at('/soar/')[0].body)).toEqual(vendorFixture('sumologic/api-insight-details.json'));
  });

  it('fires insight.closed for the closed Insight of the API and forwards it with its Signals and their allRecords', async () => {
    peer.received.length = 0;
    const fired = await post(`/v1/hooks/cse`, fixtureText('sumologic/api-insight-status.json'), basic('cloud-siem', CSE_SECRET));
    expect(fired.body).toMatchObject({ event: 'insight.closed', eventId: '8a77d12e-5905-3401-ae7c-2e17b1fd3060', runs: [{ job: 'replay-cse-closed', started: true }] });
    await settle(fired.body as unknown as FireReport);
    expect(JSON.parse(at('/soar/')[0].body)).toEqual(vendorFixture('sumologic/api-insight-status.json'));
  });
});

describe('Splunk, in by the splunk hook as the webhook alert action posts it', () => {
  it('starts exactly one run for the published payload posted twice', async () => {
    peer.received.length = 0;
    const body = fixtureText('splunk/webhook-alert-action.json');
    const first = await post(`/v1/hooks/splunk/${SPLUNK_SECRET}`, body, {});
    const second = await post(`/v1/hooks/splunk/${SPLUNK_SECRET}`, body, {});
    expect([first.status, second.status, second.body.runId]).toEqual([201, 200, first.body.runId]);
    await readRun(h.client.workflow.getHandle(first.body.runId as string), { wait: true, store: h.store });
    expect(at('/splunk').map((r) => JSON.parse(r.body))).toEqual([{ sourcetype: 'mongod', count: '8', sid: 'scheduler_admin_search_W2_at_14232356_132', owner: 'admin' }]);
  });
});

describe('Prometheus Alertmanager, in by the alertmanager hook as its webhook receiver posts', () => {
  it('starts one run per notification it sent, each alert a result', async () => {
    peer.received.length = 0;
    const runs: string[] = [];
    for (const file of ['alertmanager/webhook-firing.json', 'alertmanager/webhook-some-resolved.json', 'alertmanager/webhook-firing.json']) {
      const answer = await post('/v1/hooks/am', fixtureText(file), { authorization: `Bearer ${AM_SECRET}` });
      runs.push(answer.body.runId as string);
    }
    expect(new Set(runs).size).toBe(2);
    for (const runId of new Set(runs)) await readRun(h.client.workflow.getHandle(runId), { wait: true, store: h.store });
    expect(at('/am').map((r) => r.body).sort()).toEqual(
      [
        { alert: 'SSHBruteForce', instance: 'bastion-01:9100', status: 'firing' },
        { alert: 'SSHBruteForce', instance: 'bastion-02:9100', status: 'firing' },
        { alert: 'SSHBruteForce', instance: 'bastion-01:9100', status: 'resolved' },
        { alert: 'SSHBruteForce', instance: 'bastion-02:9100', status: 'firing' },
      ]
        .map((b) => JSON.stringify(b))
        .sort(),
    );
  });
});
