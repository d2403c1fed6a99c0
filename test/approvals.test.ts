// approval.request end to end: a run asks in Slack (a loopback peer answering as chat.postMessage does) and blocks only when approved, decided from the link page, the CLI and the API.
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { assertValidChain, type ResultRow } from '../dsl';
import { createApi, listenApi } from '../api/api';
import { escapeHtml } from '../api/approvals-api';
import { readRun, startRun, type RunReport } from '../control/client';
import { freePort } from '../worker/temporal-server';
import { createWorker, quietRuntime } from '../worker/worker';
import { startHarness, startPeer, type Harness } from './helpers';
import { expectNoTestSecrets, recordTestSecret } from './secrets-ledger';
import { slackMentions, slackPostMessageProblems, slackSequences, teamsWorkflowsProblems, vendorJson, vendorText } from './vendor-peers';
import { startSmtpPeer } from '../scripts/smtp-peer';

const exec = promisify(execFile);
const CLI = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const SLACK_TOKEN = 'xoxb-approvals-s3cr3t-slack-token';
const ALICE = 'alice-approvals-s3cr3t-token-0123456789';
const MALLORY = 'mallory-approvals-s3cr3t-token-0123456789';
const corpus = Object.entries(JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, string>).filter(([k]) => k !== '$comment');

let h: Harness;
let slack: Awaited<ReturnType<typeof startPeer>>;
let firewall: Awaited<ReturnType<typeof startPeer>>;
let teams: Awaited<ReturnType<typeof startPeer>>;
let chatops: Awaited<ReturnType<typeof startPeer>>;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let app: FastifyInstance;
let base: string;
let metricsAddress: string;

beforeAll(async () => {
  metricsAddress = `127.0.0.1:${await freePort()}`;
  quietRuntime({ metricsAddress });
  recordTestSecret('approvals Slack token', SLACK_TOKEN);
  recordTestSecret('approvals API token alice', ALICE);
  recordTestSecret('approvals API token mallory', MALLORY);
  process.env.RIPOSTE_TEST_APPROVALS_SLACK = SLACK_TOKEN;
  slack = await startPeer(() => ({ status: 200, body: vendorJson('slack/chat.postMessage-ok.json') }));
  firewall = await startPeer(() => ({ status: 200, body: { blocked: true } }));
  teams = await startPeer(() => ({ status: 200, body: vendorText('teams/incoming-webhook-ok.txt') }));
  chatops = await startPeer(() => ({ status: 202, body: {} }));
  smtp = await startSmtpPeer();
  h = await startHarness((config) => {
    config.connections.slack = { type: 'apikey', url: `${slack.url}/api`, key: 'env:RIPOSTE_TEST_APPROVALS_SLACK' };
    config.connections['slack-bot'] = config.connections.slack;
    config.connections['soc-smtp'] = { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', from: 'Riposte <riposte@example.org>' };
    config.connections.teams = { type: 'http', url: `${teams.url}/webhookb2/approvals` };
    config.connections.chatops = { type: 'http', url: `${chatops.url}/hooks/approvals` };
    config.api.tokens = [
      { name: 'alice', token: ALICE, scopes: ['approvals:read', 'approvals:write'] },
      { name: 'mallory', token: MALLORY, scopes: ['approvals:write'] },
    ];
  });
  app = await createApi({ config: h.config, client: h.client, store: h.store });
  base = await listenApi(app, '127.0.0.1:0');
  h.config.api.publicUrl = base;
});
afterAll(async () => {
  await app?.close();
  await h?.close();
  await slack?.close();
  await firewall?.close();
  await teams?.close();
  await chatops?.close();
  await smtp?.close();
});

/** The chain of the issue: open an incident, ask in Slack, block through a webhook only when approved. */
function chain(name: string, ask: Record<string, unknown> = {}, mode: 'once' | 'each' = 'once') {
  return {
    name,
    params: { fw: firewall.port },
    steps: [
      { id: 'incident', action: 'incident.create', mode, with: { title: 'SSH brute force from {{result.src_ip}}', severity: 'high' } },
      {
        id: 'ask',
        action: 'approval.request',
        mode,
        with: {
          message: 'Block {{result.src_ip}}? Incident {{steps.incident.incident_id}}',
          timeout: '1h',
          channels: [{ action: 'slack.post', connection: 'slack', with: { channel: '#soc', text: 'Run {{run.id}} result {{index}}: block {{result.src_ip}}? <{{approval.approveUrl}}|Approve> · <{{approval.rejectUrl}}|Reject>' } }],
          ...ask,
        },
      },
      { id: 'block', action: 'webhook.send', mode, when: "{{eq steps.ask.decision 'approved'}}", with: { protocol: 'http', host: '127.0.0.1', port: '{{params.fw}}', path: '/block', body: { ip: '{{result.src_ip}}', by: '{{steps.ask.by}}' } } },
    ],
  };
}

async function start(c: object, results: ResultRow[], taskQueue = h.taskQueue): Promise<WorkflowHandle> {
  return startRun(h.client, { chain: assertValidChain(c), results, taskQueue, workflowId: `${(c as { name: string }).name}-${crypto.randomUUID()}`, store: h.store });
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const found = await probe();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Asked {
  body: Record<string, unknown> & { text: string; channel: string };
  headers: Record<string, unknown>;
  approve: string;
  reject: string;
}

/** Waits for the Slack message of a run (of result `index` in each mode) and reads its two links, noting their tokens as secrets. */
async function asked(runId: string, index: number | null = null, marker = `Run ${runId} result ${index ?? ''}:`): Promise<Asked> {
  const got = await until(() => slack.received.find((r) => r.body.includes(marker)));
  const body = JSON.parse(got.body) as Asked['body'];
  const approve = /<(http[^|>]*)\|Approve>/.exec(body.text)?.[1];
  const reject = /<(http[^|>]*)\|Reject>/.exec(body.text)?.[1];
  if (!approve || !reject) throw new Error(`no links in ${body.text}`);
  recordTestSecret(`approve link of ${runId}/${index}`, approve.split('/').pop()!);
  recordTestSecret(`reject link of ${runId}/${index}`, reject.split('/').pop()!);
  return { body, headers: got.headers, approve, reject };
}

async function open(url: string, form?: Record<string, string>): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(url, form ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() } : {});
  const html = await response.text();
  expectNoTestSecrets(`the page at ${url}`, html.replaceAll(url.split('/').pop()!, ''));
  return { status: response.status, html, headers: response.headers };
}

async function api(method: string, url: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & Record<number, Record<string, unknown>> }> {
  const response = await fetch(`${base}${url}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await response.text();
  expectNoTestSecrets(`the API answer to ${method} ${url}`, text);
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

async function riposte(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      cwd: h.dataDir,
      env: { ...process.env, RIPOSTE_DATA_DIR: h.dataDir, RIPOSTE_STORE_URL: `sqlite:${path.join(h.dataDir, 'store.db')}`, TEMPORAL_ADDRESS: inject('temporalAddress'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function blocked(ip: string) {
  return firewall.received.filter((r) => r.url === '/block' && (JSON.parse(r.body) as { ip: string }).ip === ip);
}

async function finished(handle: WorkflowHandle): Promise<RunReport> {
  const report = await readRun(handle, { wait: true, store: h.store });
  expectNoTestSecrets(`the report of ${handle.workflowId}`, report);
  return report;
}

describe('approval.request', () => {
  it('the example chain blocks an address only after a click on the approve link in the Slack message; the page alone decides nothing, and a link works once', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'approve-block.json'), 'utf8'));
    example.params.firewallPort = firewall.port;
    const results = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'ssh-bruteforce.results.json'), 'utf8')) as ResultRow[];
    const handle = await start(example, results);
    const first = await asked(handle.workflowId, 0, '*Block 203.0.113.7?*');
    const second = await asked(handle.workflowId, 1, '*Block 198.51.100.23?*');
    expect(first.headers.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(first.body.channel).toBe('#soc-approvals');
    expect(slackPostMessageProblems(first.body)).toEqual([]);
    expect(first.approve.startsWith(`${base}/approvals/`)).toBe(true);
    expect(new Set([first.approve, first.reject, second.approve, second.reject]).size).toBe(4);

    const waiting = await readRun(handle, { wait: false });
    expect(waiting.status).toBe('running');
    expect(waiting.approvals?.map((a) => [a.stepId, a.index, a.approvers])).toEqual([
      ['ask', 0, ['soc-lead@example.org', 'alice']],
      ['ask', 1, ['soc-lead@example.org', 'alice']],
    ]);
    expect(waiting.approvals?.[0].message).toMatch(/^Block 203\.0\.113\.7 at the firewall for 24h\? 412 failed logins on bastion-1, incident INC-\d+\.$/);
    const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('**Waiting for approval** (2)');
    expect(metadata.currentDetails).toContain('- step `ask` result 0: Block 203.0.113.7 at the firewall for 24h? 412 failed logins on bastion-1');
    const listed = await api('GET', `/v1/approvals?run=${encodeURIComponent(handle.workflowId)}`, ALICE);
    expect(listed.status).toBe(200);
    expect(listed.body[0]).toMatchObject({ runId: handle.workflowId, stepId: 'ask', status: 'pending', next: [`block (webhook.send) when {{eq steps.ask.decision 'approved'}}`] });
    expect((await api('GET', '/v1/approvals', undefined)).status).toBe(401);
    expect((await api('GET', '/v1/approvals', MALLORY)).status).toBe(403);

    // What a mail gateway's link scanner does: it opens the link. Nothing is decided.
    const shown = await open(first.approve);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(shown.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
    expect(shown.html).toContain('Approve this request?');
    expect(shown.html).toContain('<bdi>Block 203.0.113.7 at the firewall for 24h? 412 failed logins on bastion-1, incident INC-');
    expect(shown.html).toContain('<code>block (webhook.send) when {{eq steps.ask.decision &#39;approved&#39;}}</code>');
    expect(shown.html).toContain('<form method="post">');
    expect((await readRun(handle, { wait: false })).approvals).toHaveLength(2);
    expect((await h.store.approvals.list({ runId: handle.workflowId })).map((a) => a.status)).toEqual(['pending', 'pending']);
    expect(firewall.received.filter((r) => r.url === '/api/blocklist')).toEqual([]);

    const decided = await open(first.approve, { name: 'alice', comment: 'looks bad' });
    expect(decided.status).toBe(200);
    expect(decided.html).toContain('<h1>Approved</h1>');
    expect((await open(second.reject, { name: 'alice' })).status).toBe(200);
    const report = await finished(handle);
    expect(report.status).toBe('completed');
    expect(report.steps.ask.outputs).toEqual([
      { decision: 'approved', by: 'alice', at: expect.any(String), comment: 'looks bad', via: 'link', verified: false },
      { decision: 'rejected', by: 'alice', at: expect.any(String), comment: null, via: 'link', verified: false },
    ]);
    expect((report.steps.block.outputs ?? []).map((o) => (o === null ? null : 'sent'))).toEqual(['sent', null]);
    const blocks = firewall.received.filter((r) => r.url === '/api/blocklist').map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(blocks).toEqual([{ address: '203.0.113.7', hours: 24, approvedBy: 'alice', incident: expect.stringMatching(/^INC-\d+$/) }]);

    const reused = await open(first.approve, { name: 'alice' });
    expect(reused.status).toBe(410);
    expect(reused.html).toContain('already decided: approved by alice (link) at');
    expect((await open(first.reject, { name: 'mallory' })).status).toBe(410);
    expect((await open(first.reject)).status).toBe(410);
    expect(await h.store.approvals.get(`${handle.workflowId}/ask/0`)).toMatchObject({ status: 'approved', decidedBy: 'alice', decidedVia: 'link', comment: 'looks bad' });

    // The raw tokens never reached history; the history replays with today's code.
    const history = await handle.fetchHistory();
    const text = historyToJSON(history);
    for (const link of [first.approve, first.reject, second.approve, second.reject]) expect(text).not.toContain(link.split('/').pop());
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, handle.workflowId)).resolves.toBeUndefined();
  });

  it('rejects from the CLI as $USER, lists the pending approval first, and refuses a second decision', async () => {
    const handle = await start(chain('reject-cli'), [{ src_ip: '198.51.100.2' }]);
    await asked(handle.workflowId);
    const list = await riposte(['approvals', 'list', '--json', '--run', handle.workflowId]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ key: `${handle.workflowId}/ask/once`, status: 'pending', message: expect.stringContaining('Block 198.51.100.2?') })]);
    const text = await riposte(['approvals', 'list']);
    expect(text.stdout).toContain(`${handle.workflowId}\task\t-\tpending\texpires `);
    const out = await riposte(['approvals', 'reject', handle.workflowId, 'ask', '--comment', 'a scanner we run'], { USER: 'bob' });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^rejected: step "ask" of run ${handle.workflowId}, by bob at \\S+\\n$`));
    const report = await finished(handle);
    expect(report.steps.ask.output).toEqual({ decision: 'rejected', by: 'bob', at: expect.any(String), comment: 'a scanner we run', via: 'cli', verified: true });
    expect(report.steps.block.status).toBe('skipped');
    expect(blocked('198.51.100.2')).toEqual([]);
    const again = await riposte(['approvals', 'approve', handle.workflowId, 'ask'], { USER: 'bob' });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^already decided: rejected by bob \(cli\) at /);
    const unknown = await riposte(['approvals', 'approve', handle.workflowId, 'nope']);
    expect(unknown.stderr).toBe(`run ${handle.workflowId} has no pending approval for step "nope"\n`);
  });

  it('times out: onTimeout reject decides timed_out and a link afterwards decides nothing; onTimeout approve goes on', async () => {
    const handle = await start(chain('time-out', { timeout: '1s' }), [{ src_ip: '192.0.2.10' }]);
    const ask = await asked(handle.workflowId);
    const report = await finished(handle);
    expect(report.steps.ask.output).toEqual({ decision: 'timed_out', by: null, at: expect.any(String), comment: null, via: 'timeout', verified: false });
    expect(report.steps.block.status).toBe('skipped');
    const late = await open(ask.approve, { name: 'alice' });
    expect(late.status).toBe(410);
    expect(late.html).toContain('already decided: timed out at');
    expect((await h.store.approvals.get(`${handle.workflowId}/ask/once`))?.status).toBe('timed_out');

    const quiet = await start(chain('time-out-approve', { timeout: '1s', onTimeout: 'approve', channels: [] }), [{ src_ip: '192.0.2.11' }]);
    const approved = await finished(quiet);
    expect(approved.steps.ask.output).toMatchObject({ decision: 'approved', by: null, via: 'timeout' });
    expect(blocked('192.0.2.11')).toHaveLength(1);

    const failing = await start(chain('time-out-fail', { timeout: '1s', onTimeout: 'fail', channels: [] }), [{ src_ip: '192.0.2.12' }]);
    const failed = await finished(failing);
    expect(failed.status).toBe('failed');
    expect(failed.steps.ask.error).toBe('step "ask" (approval.request): nobody decided within 1s (onTimeout: fail)');
  });

  it('takes the first of two decisions at once, refuses a token that is not an approver, and checks typed names only when configured', async () => {
    const handle = await start(chain('decide-twice', { approvers: ['alice', 'soc@example.org'] }), [{ src_ip: '192.0.2.20' }]);
    const ask = await asked(handle.workflowId);
    const refused = await api('POST', '/v1/approvals/decisions', MALLORY, { run: handle.workflowId, step: 'ask', decision: 'approve' });
    expect(refused).toEqual({ status: 403, body: { error: '"mallory" is not among the approvers of step "ask" (alice, soc@example.org)' } });
    h.config.api.trustLinkNames = true;
    try {
      const page = await open(ask.approve);
      expect(page.html).toContain('(required; checked against the approvers)');
      const typed = await open(ask.approve, { name: 'mallory' });
      expect(typed.status).toBe(403);
      expect(typed.html).toContain('&#34;mallory&#34; is not among the approvers');
    } finally {
      h.config.api.trustLinkNames = false;
    }
    const both = await Promise.all([
      api('POST', '/v1/approvals/decisions', ALICE, { run: handle.workflowId, step: 'ask', decision: 'approve', comment: 'yes' }),
      api('POST', '/v1/approvals/decisions', ALICE, { run: handle.workflowId, step: 'ask', decision: 'reject', comment: 'no' }),
    ]);
    const won = both.filter((r) => r.status === 200);
    const lost = both.filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].body.error).toMatch(new RegExp(`^already decided: ${won[0].body.decision} by alice \\(api\\) at `));
    const report = await finished(handle);
    expect(report.steps.ask.output).toEqual({ decision: won[0].body.decision, by: 'alice', at: won[0].body.at, comment: won[0].body.comment, via: 'api', verified: true });
    expect(report.steps.block.status).toBe(won[0].body.decision === 'approved' ? 'completed' : 'skipped');
    expect((await open(ask.approve)).status).toBe(410);
  });

  it('decides nothing with a forged link, and nothing after the run is cancelled', async () => {
    const handle = await start(chain('cancelled'), [{ src_ip: '192.0.2.30' }]);
    const ask = await asked(handle.workflowId);
    const forged = `${base}/approvals/${crypto.randomBytes(32).toString('base64url')}`;
    for (const url of [forged, `${base}/approvals/short`, `${base}/approvals/${ask.approve.split('/').pop()!.slice(0, 42)}!`]) {
      const got = await open(url);
      expect(got.status).toBe(404);
      expect(got.html).toContain('Link not valid');
      expect((await open(url, { name: 'eve' })).status).toBe(404);
    }
    expect((await readRun(handle, { wait: false })).approvals).toHaveLength(1);
    await handle.cancel();
    const report = await finished(handle);
    expect(report.status).toBe('cancelled');
    expect((await h.store.approvals.get(`${handle.workflowId}/ask/once`))?.status).toBe('cancelled');
    const late = await open(ask.approve, { name: 'alice' });
    expect(late.status).toBe(410);
    expect(late.html).toContain('closed: the run was cancelled');
    const viaApi = await api('POST', '/v1/approvals/decisions', ALICE, { run: handle.workflowId, step: 'ask', decision: 'approve' });
    expect(viaApi).toEqual({ status: 409, body: { error: 'closed: the run was cancelled' } });
    expect(blocked('192.0.2.30')).toEqual([]);
  });

  it('loses nothing when the worker restarts during the wait', async () => {
    const taskQueue = `test-${crypto.randomUUID()}`;
    const address = inject('temporalAddress');
    const startWorker = async () => {
      const connection = await NativeConnection.connect({ address });
      const worker = await createWorker({ config: h.config, connection, store: h.store, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') } });
      const running = worker.run();
      return {
        async stop() {
          worker.shutdown();
          await running;
          await connection.close();
        },
      };
    };
    const first = await startWorker();
    const handle = await start(chain('restart'), [{ src_ip: '192.0.2.40' }], taskQueue);
    const ask = await asked(handle.workflowId);
    await first.stop();
    const second = await startWorker();
    try {
      const decided = await open(ask.approve, { name: 'carol' });
      expect(decided.status).toBe(200);
      const report = await finished(handle);
      expect(report.steps.ask.output).toMatchObject({ decision: 'approved', by: 'carol', via: 'link' });
      expect(report.steps.block.status).toBe('completed');
      expect(blocked('192.0.2.40')).toHaveLength(1);
      expect(slack.received.filter((r) => r.body.includes(`Run ${handle.workflowId} `))).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('asks once per result in each mode, and every hostile value in the message and the comment stays text on the page and in Slack', async () => {
    const results = corpus.map(([, value], i) => ({ src_ip: `10.9.0.${i}`, note: value }));
    const handle = await start(chain('hostile-each', { message: 'Block {{result.src_ip}}: {{result.note}}' }, 'each'), results);
    for (let i = 0; i < results.length; i++) {
      const value = results[i].note;
      const ask = await asked(handle.workflowId, i);
      expect(slackMentions(ask.body.text)).toEqual([]);
      expect(slackSequences(ask.body.text).filter((s) => !s.startsWith(`${base}/approvals/`))).toEqual([]);
      const page = await open(ask.approve);
      expect(page.status).toBe(200);
      const shown = escapeHtml(value.replace(/\u0000/g, '\uFFFD'));
      expect(page.html).toContain(`<bdi>Block 10.9.0.${i}: ${shown}</bdi>`);
      if (/[<>&"']/.test(value)) expect(page.html).not.toContain(value);
      const link = i % 2 === 0 ? ask.approve : ask.reject;
      const decided = await open(link, { name: [...value].slice(0, 200).join(''), comment: value });
      expect(decided.status).toBe(200);
      expect(decided.html).toContain(`Comment: <bdi>${escapeHtml(value.trim().replace(/\u0000/g, '\uFFFD'))}</bdi>`);
      if (/[<>&"']/.test(value)) expect(decided.html).not.toContain(value.trim());
    }
    const report = await finished(handle);
    expect(report.status).toBe('completed');
    const outputs = report.steps.ask.outputs as { decision: string; comment: string; via: string }[];
    outputs.forEach((o, i) => expect(o).toMatchObject({ decision: i % 2 === 0 ? 'approved' : 'rejected', comment: results[i].note.trim(), via: 'link' }));
    expect(report.steps.block.outputs?.filter((o) => o !== null)).toHaveLength(Math.ceil(results.length / 2));
    const all = await api('GET', `/v1/approvals?status=all&run=${encodeURIComponent(handle.workflowId)}`, ALICE);
    expect((all.body as unknown as unknown[]).length).toBe(results.length);
  });

  it('decides a result of an each step through the API by its index', async () => {
    const handle = await start(chain('each-api', {}, 'each'), [{ src_ip: '192.0.2.50' }, { src_ip: '192.0.2.51' }]);
    await asked(handle.workflowId, 0);
    await asked(handle.workflowId, 1);
    const ambiguous = await api('POST', '/v1/approvals/decisions', ALICE, { run: handle.workflowId, step: 'ask', decision: 'approve' });
    expect(ambiguous).toEqual({ status: 400, body: { error: `step "ask" of run ${handle.workflowId} waits for 2 results (indexes 0, 1); name one with its index` } });
    expect((await api('POST', '/v1/approvals/decisions', ALICE, { run: handle.workflowId, step: 'ask', index: 1, decision: 'approve' })).status).toBe(200);
    expect((await api('POST', '/v1/approvals/decisions', ALICE, { run: handle.workflowId, step: 'ask', index: 0, decision: 'reject' })).status).toBe(200);
    const report = await finished(handle);
    expect((report.steps.ask.outputs as { decision: string }[]).map((o) => o.decision)).toEqual(['rejected', 'approved']);
    expect(blocked('192.0.2.50')).toEqual([]);
    expect(blocked('192.0.2.51')).toHaveLength(1);
  });

  it('notifies by e-mail, Teams and webhook too, each carrying the same single-use links', async () => {
    const handle = await start(
      chain('channels', {
        channels: [
          { action: 'email.send', connection: 'soc-smtp', with: { to: 'soc@example.org' } },
          { action: 'teams.notify', connection: 'teams', with: { title: 'Block {{result.src_ip}}?', text: '[click](http://127.0.0.2/) {{result.src_ip}}' } },
          { action: 'webhook.send', connection: 'chatops' },
        ],
      }),
      [{ src_ip: '192.0.2.60' }],
    );
    const hook = await until(() => chatops.received.find((r) => r.body.includes(handle.workflowId)));
    const sent = JSON.parse(hook.body) as Record<string, unknown>;
    expect(sent).toEqual({ message: expect.stringMatching(/^Block 192\.0\.2\.60\? Incident INC-\d+$/), approveUrl: expect.stringMatching(/\/approvals\/[\w-]{43}$/), rejectUrl: expect.stringMatching(/\/approvals\/[\w-]{43}$/), expiresAt: expect.any(String), runId: handle.workflowId, stepId: 'ask', index: null });
    const approveUrl = sent.approveUrl as string;
    const rejectUrl = sent.rejectUrl as string;
    recordTestSecret('channels approve link', approveUrl.split('/').pop()!);
    recordTestSecret('channels reject link', rejectUrl.split('/').pop()!);
    expect(hook.url).toBe('/hooks/approvals/');
    expect(hook.headers['idempotency-key']).toBe(`${handle.workflowId}/ask/once/channel/2`);

    const mail = smtp.received.find((m) => m.parsed.text?.includes(approveUrl));
    expect(mail?.to).toEqual(['soc@example.org']);
    expect(mail?.parsed.subject).toBe('Approval needed: channels');
    expect(mail?.parsed.text).toContain(`Approve: ${approveUrl}\nReject: ${rejectUrl}`);

    const card = JSON.parse(teams.received.find((r) => r.body.includes(approveUrl))!.body) as { attachments: { content: { body: { type: string; inlines: { text: string }[] }[]; actions: { title: string; url: string }[] } }[] };
    expect(teamsWorkflowsProblems(card as unknown as Record<string, unknown>)).toEqual([]);
    const content = card.attachments[0].content;
    expect(content.body.map((b) => [b.type, b.inlines[0].text])).toEqual([
      ['RichTextBlock', 'Block 192.0.2.60?'],
      ['RichTextBlock', '[click](http://127.0.0.2/) 192.0.2.60'],
      ['RichTextBlock', expect.stringMatching(/^The buttons work once, until /)],
    ]);
    expect(content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Approve', url: approveUrl },
      { type: 'Action.OpenUrl', title: 'Reject', url: rejectUrl },
    ]);

    expect((await open(approveUrl, { name: 'dave' })).status).toBe(200);
    const report = await finished(handle);
    expect(report.steps.ask.output).toMatchObject({ decision: 'approved', by: 'dave' });
    expect(blocked('192.0.2.60')).toHaveLength(1);
    expect((await open(rejectUrl)).status).toBe(410);
  });

  it('counts approvals by decision and exposes how many wait', async () => {
    const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    const line = (name: string, ...labels: string[]) => text.split('\n').find((l) => l.startsWith(name) && labels.every((x) => l.includes(x)));
    expect(line('riposte_approvals_total', 'chain="approve-block"', 'decision="approved"')).toMatch(/ 1$/);
    expect(line('riposte_approvals_total', 'chain="approve-block"', 'decision="rejected"')).toMatch(/ 1$/);
    expect(line('riposte_approvals_total', 'chain="reject-cli"', 'decision="rejected"')).toMatch(/ 1$/);
    expect(line('riposte_approvals_total', 'chain="time-out"', 'decision="timed_out"')).toMatch(/ 1$/);
    expect(line('riposte_approvals_total', 'chain="cancelled"', 'decision="cancelled"')).toMatch(/ 1$/);
    expect(line('riposte_approvals_pending ') ?? line('riposte_approvals_pending{')).toMatch(/ 0$/);
  });
});
