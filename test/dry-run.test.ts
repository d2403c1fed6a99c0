// riposte test's real bytes: per action family, what the dry run shows equals what the loopback peer then receives for the same chain and results.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertValidChain, insightView, type Insight, type ResultRow } from '../dsl';
import { startSmtpPeer } from '../scripts/smtp-peer';
import { registerScript } from '../activities/script-run';
import type { HttpPreview, WirePreview } from '../activities/preview';
import { dryRun, type DryStep } from '../activities/dry-run';
import { startHarness, startPeer, type Harness, type Received } from './helpers';
import { recordTestSecret } from './secrets-ledger';
import { CLOUD_SIEM_URL, quickRetry, runForInsight, sampleInsight } from './insight-fixtures';

const HOOK_TOKEN = 'hook-bearer-s3cr3t-0123456789';
const PD_KEY = 'PDROUTINGKEYs3cr3t0000000000000';
/** One key for the other vendor APIs of the Insight test. */
const API_KEY = 'vendor-api-key-s3cr3t-000000000';
const DB_PASSWORD = 'dry-run-db-s3cr3t-password';
const AWS_SECRET = 'dry/run/aws/s3cr3t/key/000000000000000000';
const suffix = crypto.randomBytes(4).toString('hex');
const pgTable = `riposte_dry_${suffix}`;

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let pgClient: pg.Client;

beforeAll(async () => {
  process.env.RIPOSTE_TEST_DRY_HOOK_TOKEN = HOOK_TOKEN;
  process.env.RIPOSTE_TEST_DRY_PD_KEY = PD_KEY;
  process.env.RIPOSTE_TEST_DRY_API_KEY = API_KEY;
  recordTestSecret('dry-run vendor API key', API_KEY);
  recordTestSecret('dry-run Teams webhook path', 'dry-team-s3cr3t');
  process.env.RIPOSTE_TEST_DRY_DB_PASSWORD = DB_PASSWORD;
  process.env.RIPOSTE_TEST_DRY_AWS_SECRET = AWS_SECRET;
  recordTestSecret('dry-run AWS secret access key', AWS_SECRET);
  recordTestSecret('dry-run webhook bearer token', HOOK_TOKEN);
  recordTestSecret('dry-run PagerDuty routing key', PD_KEY);
  recordTestSecret('dry-run Slack webhook path', 'dry-hook-s3cr3t');
  peer = await startPeer((req) => {
    if (req.url.startsWith('/pd/')) return { status: 202, body: { status: 'success', dedup_key: 'k' } };
    // Each vendor's documented answer: XSOAR the created incident, Slack ok with ts, Recorded Future 404 for an unknown indicator.
    if (req.url.startsWith('/xsoar/')) return { status: 201, body: { id: '4711' } };
    if (req.url.startsWith('/slack/')) return { status: 200, body: { ok: true, channel: 'C0SOC', ts: '1700000000.000100' } };
    if (req.url.startsWith('/rf/')) return { status: 404, body: { error: { status: 404, message: 'Not found' } } };
    if (req.url.startsWith('/hipchat/')) return { status: 204 };
    // SNS's Publish answer as its API reference shows it (the query protocol's XML).
    if (req.url.startsWith('/sns')) return { status: 200, headers: { 'content-type': 'text/xml' }, body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>msg-1</MessageId></PublishResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></PublishResponse>' };
    return { status: 200, body: { ok: true } };
  });
  smtp = await startSmtpPeer({});
  pgClient = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await pgClient.connect();
  await pgClient.query(`CREATE TABLE ${pgTable} (id serial PRIMARY KEY, host varchar(40) NOT NULL, bytes integer, seen timestamptz, blocked boolean)`);
  h = await startHarness((config) => {
    config.allowedPorts.push(peer.port);
    config.connections.hook = { type: 'http', url: `${peer.url}/api/v1`, auth: { type: 'bearer', token: 'env:RIPOSTE_TEST_DRY_HOOK_TOKEN' }, headers: { 'x-tenant': 'acme' } };
    config.connections['slack-hook'] = { type: 'http', url: `${peer.url}/services/T1/B1/dry-hook-s3cr3t` };
    config.connections.pd = { type: 'apikey', url: `${peer.url}/pd`, key: 'env:RIPOSTE_TEST_DRY_PD_KEY' };
    for (const vendor of ['xsoar', 'slack', 'rf', 'hipchat']) config.connections[vendor] = { type: 'apikey', url: `${peer.url}/${vendor}`, key: 'env:RIPOSTE_TEST_DRY_API_KEY' };
    config.connections.teams = { type: 'http', url: `${peer.url}/teams/webhookb2/dry-team-s3cr3t` };
    config.connections.aws = { type: 'aws', accessKeyId: 'AKIDDRYRUN000001', secretAccessKey: 'env:RIPOSTE_TEST_DRY_AWS_SECRET', endpoint: `${peer.url}/sns` };
    config.connections.smtp = { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', from: 'Riposte SOC <riposte@example.org>' };
    config.connections.pgdb = { type: 'database', driver: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', users: { writer: { user: 'postgres', password: 'env:RIPOSTE_TEST_DRY_DB_PASSWORD' } } };
    config.connections.lite = { type: 'database', driver: 'sqlite', file: path.join(config.dataDir, 'dry.db'), users: {} };
  });
  new Database(path.join(h.dataDir, 'dry.db')).exec('CREATE TABLE alerts (host TEXT, bytes INTEGER, note TEXT)');
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
  await smtp?.close();
  await pgClient?.query(`DROP TABLE IF EXISTS ${pgTable}`);
  await pgClient?.end();
});

const deps = () => ({ config: h.config, store: h.store });

/** A document without its write time, which differs between the dry run and the run. */
function withoutTime(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'timestamp' && k !== 'incident_id'));
}

/** The trigger of an Insight event as the intake (and `riposte test --insight`) builds it: the Insight as sent, its view beside it. */
function insightTrigger(type: string, insight: Insight): Record<string, unknown> {
  return { type, insight, insightView: insightView(insight, { cloudSiemUrl: h.config.cloudSiem.url ?? CLOUD_SIEM_URL }) };
}

/** The dry run of a chain under the run id the real run will have. */
async function dry(chain: object, results: ResultRow[], runId: string, trigger?: Record<string, unknown>): Promise<Record<string, DryStep>> {
  return dryRun(assertValidChain(chain), results, { runId, deps: deps(), ...(trigger ? { trigger } : {}) });
}

function wire(steps: Record<string, DryStep>, id: string, execution = 0): WirePreview {
  const e = steps[id].executions[execution];
  expect(e.status, e.error).toBe('would-send');
  return e.wire as WirePreview;
}

/** A received request with the secrets replaced as the dry run masks them. */
function masked(text: string): string {
  return [HOOK_TOKEN, PD_KEY, API_KEY, '/services/T1/B1/dry-hook-s3cr3t', '/teams/webhookb2/dry-team-s3cr3t', Buffer.from(HOOK_TOKEN).toString('base64')].reduce((t, s) => t.split(s).join('***'), text);
}

/** The dry run's request and what the peer received agree: method, URL, every header riposte sets, and the body bytes. */
function expectSameRequest(shown: HttpPreview, got: Received, origin: string): void {
  expect(shown.method).toBe(got.method);
  expect(shown.url).toBe(masked(`${origin}${got.url}`));
  for (const [name, value] of Object.entries(shown.headers)) expect(value, name).toBe(masked(String(got.headers[name])));
  expect(shown.body).toBe(got.body === '' ? undefined : masked(got.body));
}

describe('HTTP actions', () => {
  it('webhook.send: the request shown is the request the peer receives, the bearer token masked', async () => {
    const runId = `dry-hook-${suffix}`;
    const chain = { name: 'dry-hook', steps: [{ id: 'hook', action: 'webhook.send', connection: 'hook', mode: 'each', with: { method: 'GET', path: '/search/{{result.host}}', query: { q: '{{result.user}}', n: 5 }, headers: { 'x-case': '{{result.case}}' }, body: { user: '{{result.user}}', note: 'ünïcode "quoted"' } } }] };
    const results = [{ host: 'web 1/a', user: 'alice', case: 'C-1' }, { host: 'web-2', user: 'bob&co', case: 'C-2' }];
    const steps = await dry(chain, results, runId);
    peer.received.length = 0;
    const report = await h.run(chain, results, { workflowId: runId });
    expect(report.status).toBe('completed');
    expect(peer.received).toHaveLength(2);
    for (const i of [0, 1]) {
      const shown = (wire(steps, 'hook', i) as { requests: HttpPreview[] }).requests[0];
      expect(shown.headers.authorization).toBe('Bearer ***');
      const got = peer.received.find((r) => r.headers['idempotency-key'] === `${runId}/hook/${i}`)!;
      expectSameRequest(shown, got, peer.url);
    }
  });

  it('the Cloud SIEM HTTP actions: the requests shown are the requests each vendor peer receives, keys and webhook paths masked', async () => {
    const insight = sampleInsight();
    const chain = {
      name: 'dry-insight',
      on: ['insight.created'],
      steps: [
        { id: 'post', action: 'http.post', retry: quickRetry, with: { url: `${peer.url}/ingest/{{trigger.insight.readableId}}`, includeSignals: true, includeRecords: true, recordFields: 'uid,dstDevice_ip' } },
        { id: 'slack', action: 'slack.webhook', connection: 'slack-hook', retry: quickRetry },
        { id: 'pd', action: 'pagerduty.trigger', connection: 'pd', retry: quickRetry, with: { subdomain: 'acme' } },
        { id: 'xsoar', action: 'xsoar.incident', connection: 'xsoar', retry: quickRetry, with: { extraHeaders: 'x-xdr-auth-id: 7' } },
        { id: 'chat', action: 'slack.post', connection: 'slack', retry: quickRetry, with: { channel: '#soc' } },
        { id: 'room', action: 'hipchat.notify', connection: 'hipchat', retry: quickRetry, with: { room: 'SOC Alerts' } },
        { id: 'card', action: 'teams.notify', connection: 'teams', retry: quickRetry },
        { id: 'rf', action: 'recordedfuture.enrich', connection: 'rf', retry: quickRetry, with: { enrichSignals: true } },
      ],
    };
    const runId = `dry-insight-${suffix}`;
    const steps = await dry(chain, [], runId, insightTrigger('insight.created', insight));
    peer.received.length = 0;
    const report = await runForInsight(h, chain, insight, 'insight.created', runId);
    expect(report.status).toBe('completed');
    const byPath = (p: string) => peer.received.find((r) => r.url.startsWith(p))!;
    expectSameRequest((wire(steps, 'post') as { requests: HttpPreview[] }).requests[0], byPath('/ingest/INSIGHT-1042'), peer.url);
    const slack = (wire(steps, 'slack') as { requests: HttpPreview[] }).requests[0];
    expect(slack.url).toBe(`${peer.url}***`);
    expectSameRequest(slack, byPath('/services/'), peer.url);
    const pd = (wire(steps, 'pd') as { requests: HttpPreview[] }).requests[0];
    expect(JSON.parse(pd.body ?? '{}').routing_key).toBe('***');
    expectSameRequest(pd, byPath('/pd/'), peer.url);
    for (const [id, prefix] of [['xsoar', '/xsoar/'], ['chat', '/slack/'], ['room', '/hipchat/'], ['card', '/teams/']] as const) {
      expectSameRequest((wire(steps, id) as { requests: HttpPreview[] }).requests[0], byPath(prefix), peer.url);
    }
    // One lookup per indicator, in the order the step sends them.
    const lookups = (wire(steps, 'rf') as { requests: HttpPreview[] }).requests;
    const sent = peer.received.filter((r) => r.url.startsWith('/rf/'));
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(lookups.map((l) => l.url)).toEqual(sent.map((r) => `${peer.url}${r.url}`));
    lookups.forEach((l, i) => expectSameRequest(l, sent[i], peer.url));
  });
});

describe('sns.publish', () => {
  it('shows the Publish request the AWS SDK builds and signs: method, URL, content type and form body as the peer receives them', async () => {
    const insight = sampleInsight();
    const chain = { name: 'dry-sns', on: ['insight.created'], steps: [{ id: 'sns', action: 'sns.publish', connection: 'aws', retry: quickRetry, with: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:cse-insights', subject: 'Insight {{trigger.insight.readableId}}' } }] };
    const runId = `dry-sns-${suffix}`;
    const steps = await dry(chain, [], runId, insightTrigger('insight.created', insight));
    peer.received.length = 0;
    const report = await runForInsight(h, chain, insight, 'insight.created', runId);
    expect(report.status, report.steps.sns?.error).toBe('completed');
    const shown = wire(steps, 'sns') as Extract<WirePreview, { kind: 'http' }>;
    const [req] = shown.requests;
    const got = peer.received.find((r) => r.url.startsWith('/sns'))!;
    expect(req.method).toBe(got.method);
    expect(req.url).toBe(`${peer.url}${got.url}`);
    expect(req.body).toBe(got.body);
    expect(new URLSearchParams(req.body).get('Subject')).toBe('Insight INSIGHT-1042');
    expect(req.headers['content-type']).toBe(got.headers['content-type']);
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDDRYRUN000001\//);
    expect(JSON.stringify(shown)).not.toContain(AWS_SECRET);
    expect(shown.note).toContain('x-amz-date, the signature and amz-sdk-invocation-id differ at run time');
  });
});

describe('email.send', () => {
  it('shows the MIME message nodemailer builds, which the SMTP peer then receives byte for byte up to the Date header', async () => {
    const runId = `dry-mail-${suffix}`;
    const chain = {
      name: 'dry-mail',
      steps: [
        {
          id: 'mail',
          action: 'email.send',
          connection: 'smtp',
          with: { to: ['soc@example.org'], cc: 'lead@example.org', bcc: ['audit@example.org'], subject: 'Überwachung: {{results.length}} hits', body: 'Host {{result.host}}', merge: true, signature: 'SOC Tier 1', table: true, attachCsv: true, headers: { 'X-Case': '{{result.case}}' } },
        },
      ],
    };
    const results = [{ host: 'web-1', case: 'C-7', note: 'comma, "quote"' }, { host: 'web-2', case: 'C-8', note: '<b>x</b>' }];
    const steps = await dry(chain, results, runId);
    smtp.received.length = 0;
    const report = await h.run(chain, results, { workflowId: runId });
    expect(report.status).toBe('completed');
    expect(smtp.received).toHaveLength(1);
    const shown = wire(steps, 'mail') as { kind: 'email'; envelope: { from: string; to: string[] }; message: string };
    const [got] = smtp.received;
    expect(shown.envelope).toEqual({ from: 'riposte@example.org', to: ['soc@example.org', 'lead@example.org', 'audit@example.org'] });
    expect(got.from).toBe(shown.envelope.from);
    expect([...got.to].sort()).toEqual([...shown.envelope.to].sort());
    const undated = (mime: string) => mime.replace(/^Date: .*\r\n/m, '').replace(/(\r\n)+$/, '');
    expect(shown.message).toMatch(/^Date: .*\r\n/m);
    expect(shown.message).not.toMatch(/^Bcc:/im);
    expect(undated(shown.message)).toBe(undated(got.raw));
    expect(got.parsed.attachments[0].content.toString('utf8')).toContain('web-2,C-8,<b>x</b>');
  });
});

describe('db.insert', () => {
  it('shows the statement and bound values the database then stores (PostgreSQL and SQLite)', async () => {
    const results = [
      { host: 'web-1', bytes: '10', seen: '2026-11-23T01:02:03.000Z', blocked: 'true' },
      { host: "web-2'); DROP TABLE x; --", bytes: 20, seen: '2026-11-23T04:05:06.000Z', blocked: false },
    ];
    const runId = `dry-db-${suffix}`;
    const chain = {
      name: 'dry-db',
      steps: [
        { id: 'pg', action: 'db.insert', connection: 'pgdb', with: { table: pgTable, allResults: true } },
        { id: 'lite', action: 'db.insert', connection: 'lite', mode: 'each', with: { table: 'alerts', values: { host: '{{result.host}}', bytes: '{{result.bytes}}', note: 'seen {{result.seen}}' } } },
      ],
    };
    const steps = await dry(chain, results, runId);
    // The dry run wrote nothing.
    expect((await pgClient.query(`SELECT count(*)::int AS n FROM ${pgTable}`)).rows[0].n).toBe(0);
    const shownPg = wire(steps, 'pg') as { kind: 'sql'; driver: string; statements: { sql: string; values: unknown[] }[] };
    expect(shownPg.driver).toBe('postgres');
    expect(shownPg.statements).toEqual([
      { sql: `INSERT INTO "${pgTable}" ("host", "bytes", "seen", "blocked") VALUES ($1, $2, $3, $4)`, values: ['web-1', '10', '2026-11-23T01:02:03.000Z', true] },
      { sql: `INSERT INTO "${pgTable}" ("host", "bytes", "seen", "blocked") VALUES ($1, $2, $3, $4)`, values: ["web-2'); DROP TABLE x; --", 20, '2026-11-23T04:05:06.000Z', false] },
    ]);
    const report = await h.run(chain, results, { workflowId: runId });
    expect(report.status).toBe('completed');
    const rows = (await pgClient.query(`SELECT host, bytes, seen, blocked FROM ${pgTable} ORDER BY id`)).rows as { host: string; bytes: number; seen: Date; blocked: boolean }[];
    expect(rows.map((r) => [r.host, String(r.bytes), r.seen.toISOString(), r.blocked])).toEqual(shownPg.statements.map((s) => s.values.map((v, i) => (i === 1 ? String(v) : v))));
    const stored = new Database(path.join(h.dataDir, 'dry.db')).prepare('SELECT host, bytes, note FROM alerts ORDER BY rowid').all();
    const shownLite = [0, 1].map((i) => (wire(steps, 'lite', i) as { statements: { sql: string; values: unknown[] }[] }).statements[0]);
    expect(shownLite[0].sql).toBe('INSERT INTO "alerts" ("host", "bytes", "note") VALUES (?, ?, ?)');
    expect(stored).toEqual(shownLite.map((s) => ({ host: s.values[0], bytes: Number(s.values[1]), note: s.values[2] })));
  });
});

describe('script.run', () => {
  it('shows the argv and the jail the script then runs with', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-dry-script-'));
    fs.writeFileSync(path.join(outside, 'echo.sh'), '#!/bin/bash\nprintf "%s\\n" "$0" "$@"\nprintf "cwd=%s\\n" "$PWD"\nenv | sort\n');
    registerScript(h.config.scripts.dir, 'echo.sh', path.join(outside, 'echo.sh'));
    const runId = `dry-script-${suffix}`;
    const chain = { name: 'dry-script', steps: [{ id: 'run', action: 'script.run', with: { interpreter: 'bash', script: 'echo.sh', args: ['--index', 'logs-*', { property: 'src_ip' }, '{{result.user}}', { literal: '$HOME' }] } }] };
    const results = [{ src_ip: '10.0.0.5', user: 'alice; rm -rf /' }];
    const steps = await dry(chain, results, runId);
    const shown = wire(steps, 'run') as Extract<WirePreview, { kind: 'script' }>;
    expect(shown.argv).toEqual(['/usr/bin/bash', '/.riposte/echo.sh', '--index', 'logs-*', '10.0.0.5', 'alice; rm -rf /', '$HOME']);
    expect(shown.command.slice(-shown.argv.length)).toEqual(shown.argv);
    const report = await h.run(chain, results, { workflowId: runId });
    expect(report.status, report.steps.run?.error).toBe('completed');
    const stdout = (report.steps.run.output as { stdout: string }).stdout.split('\n');
    expect(stdout.slice(0, shown.argv.length - 1)).toEqual(shown.argv.slice(1));
    const env = Object.fromEntries(stdout.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    for (const [k, v] of Object.entries(shown.env)) expect(env[k], k).toBe(v);
  });
});

describe('store writes', () => {
  it('shows the documents and the incident the store then holds', async () => {
    const runId = `dry-store-${suffix}`;
    const chain = {
      name: 'dry-store',
      steps: [
        { id: 'incident', action: 'incident.create', with: { title: 'Spray from {{result.src}}', severity: 'High', additionalFields: { src: '{{result.src}}' } } },
        { id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1110.003'], additionalFields: { user: '{{result.user}}' } } },
        { id: 'latest', action: 'events.index', with: { index: 'dry-latest', update: true, documentId: 'spray', document: { last: '{{result.user}}' } } },
      ],
    };
    const results = [{ src: '203.0.113.9', user: 'alice' }, { src: '203.0.113.9', user: 'bob' }];
    const steps = await dry(chain, results, runId);
    const report = await h.run(chain, results, { workflowId: runId });
    expect(report.status).toBe('completed');
    const incident = wire(steps, 'incident') as Extract<WirePreview, { kind: 'incident' }>;
    const [stored] = await h.store.listIncidents({ job: 'dry-store' });
    expect(stored).toMatchObject({ title: incident.title, severity: incident.severity, index: incident.index, additional_fields: incident.document.additional_fields });
    const incidentId = (report.steps.incident.output as { incident_id: string }).incident_id;
    const mitre = (await h.store.listDocuments('mitre')).filter((d) => d.job === 'dry-store');
    for (const i of [0, 1]) {
      const [doc] = (wire(steps, 'tag', i) as Extract<WirePreview, { kind: 'documents' }>).documents;
      const found = mitre.find((d) => d.id === doc.id)!;
      expect(doc.body.incident_id).toBe('<incident.incident_id>');
      expect(found).toMatchObject({ ...withoutTime(doc.body), incident_id: incidentId });
    }
    const latest = wire(steps, 'latest') as Extract<WirePreview, { kind: 'documents' }>;
    expect(latest.write).toBe('merge');
    expect(await h.store.getDocument('dry-latest', 'spray')).toMatchObject(withoutTime(latest.documents[0].body));
  });
});

describe('riposte test on the command line', () => {
  it('prints the MIME message, sends nothing and writes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-dry-cli-'));
    const config = { connections: { smtp: h.config.connections.smtp } };
    fs.writeFileSync(path.join(dir, 'riposte.config.json'), JSON.stringify(config));
    const chain = path.join(dir, 'mail.json');
    fs.writeFileSync(chain, JSON.stringify({ name: 'dry-cli', steps: [{ id: 'mail', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', subject: 'Hits: {{results.length}}', table: true } }] }));
    const results = path.join(dir, 'results.json');
    fs.writeFileSync(results, JSON.stringify([{ host: 'web-1' }]));
    smtp.received.length = 0;
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'dist', 'cli', 'main.js'), 'test', chain, '--results', results, '--run-id', 'run-42'], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir } });
    expect(stdout).toContain('MAIL FROM:<riposte@example.org>\n    RCPT TO:<soc@example.org>\n    --- message ---\n');
    expect(stdout).toContain('    Subject: Hits: 1\n');
    expect(stdout).toContain(`    Message-ID: <${crypto.createHash('sha256').update('run-42/mail/once').digest('hex').slice(0, 32)}@example.org>\n`);
    expect(stdout).toMatch(/ {4}host\s*\n {4}-+\s*\n {4}web-1/);
    expect(smtp.received).toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(['mail.json', 'results.json', 'riposte.config.json']);
    const json = JSON.parse((await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'dist', 'cli', 'main.js'), 'test', chain, '--results', results, '--json'], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir } })).stdout);
    expect(json.steps.mail.executions[0].wire.kind).toBe('email');
    expect(json.steps.mail.executions[0].wire.message).toMatch(/^Subject: Hits: 1\r$/m);
  });
});
