// The Insight notification actions against real HTTP peers on 127.0.0.1 that check each vendor's request shape.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insightSchema, validateChainText, validateChain } from '../dsl';
import { loadConfig } from '../config/config';
import { validationContext } from '../config/jobs';
import { startSmtpPeer } from '../scripts/smtp-peer';
import { startHarness, startPeer, type Harness, type Received } from './helpers';
import { recordTestSecret } from './secrets-ledger';
import { SAMPLE_LINK, SAMPLE_TACTICS, quickRetry, runForInsight, sampleInsight } from './insight-fixtures';

type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let answer: (req: Received, n: number) => Answer = () => ({ status: 200, body: 'ok' });

const TOKENS = {
  RIPOSTE_TEST_HIPCHAT_TOKEN: 'hipchat-room-token-s3cr3t-1234',
  RIPOSTE_TEST_PD_KEY: 'R0UT1NGKEYs3cr3t00000000000000000',
  RIPOSTE_TEST_SLACK_TOKEN: 'xoxb-1111-2222-slack-s3cr3t',
  RIPOSTE_TEST_POST_PW: 'post-pass-s3cr3t-w0rd',
};

beforeAll(async () => {
  Object.assign(process.env, TOKENS);
  for (const [name, value] of Object.entries(TOKENS)) recordTestSecret(name, value);
  recordTestSecret('Teams incoming-webhook path', 'team-s3cr3t-path');
  recordTestSecret('Slack incoming-webhook path', 'hook-s3cr3t');
  peer = await startPeer((req, n) => answer(req, n));
  smtp = await startSmtpPeer({});
  h = await startHarness((config) => {
    config.allowedPorts.push(peer.port);
    config.connections.hipchat = { type: 'apikey', url: `${peer.url}/hipchat`, key: 'env:RIPOSTE_TEST_HIPCHAT_TOKEN' };
    config.connections.teams = { type: 'http', url: `${peer.url}/teams/webhookb2/team-s3cr3t-path` };
    config.connections.pd = { type: 'apikey', url: `${peer.url}/pd`, key: 'env:RIPOSTE_TEST_PD_KEY' };
    config.connections.slack = { type: 'apikey', url: `${peer.url}/slack/api`, key: 'env:RIPOSTE_TEST_SLACK_TOKEN' };
    config.connections['slack-hook'] = { type: 'http', url: `${peer.url}/services/T000/B000/hook-s3cr3t` };
    config.connections['soar-post'] = { type: 'http', url: `${peer.url}/ingest/insights`, auth: { type: 'basic', username: 'cse', password: 'env:RIPOSTE_TEST_POST_PW' }, headers: { 'x-tenant': 'acme' } };
    config.connections.smtp = { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', from: 'riposte@example.org' };
  });
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
  await smtp?.close();
});

async function exchange<T>(respond: (req: Received, n: number) => Answer, fn: () => Promise<T>): Promise<T> {
  peer.received.length = 0;
  answer = respond;
  try {
    return await fn();
  } finally {
    answer = () => ({ status: 200, body: 'ok' });
  }
}

const one = (id: string, action: string, connection: string | undefined, withParams: Record<string, unknown> = {}) => ({
  name: `cse-${id}`,
  steps: [{ id, action, ...(connection ? { connection } : {}), retry: quickRetry, with: withParams }],
});

describe('summary actions', () => {
  it('hipchat.notify posts an HTML room notification with the entity, the tactics and the link, authenticated with the room token', async () => {
    const report = await exchange(() => ({ status: 204 }), () => runForInsight(h, one('chat', 'hipchat.notify', 'hipchat', { room: 'SOC Alerts', notify: true })));
    expect(report.status).toBe('completed');
    expect(report.steps.chat.output).toEqual({ status: 204 });
    const [got] = peer.received;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hipchat/v2/room/SOC%20Alerts/notification');
    expect(got.headers.authorization).toBe(`Bearer ${TOKENS.RIPOSTE_TEST_HIPCHAT_TOKEN}`);
    const body = JSON.parse(got.body) as Record<string, unknown>;
    expect(body).toMatchObject({ message_format: 'html', color: 'red', notify: true });
    expect(body.message).toContain('INSIGHT-1042: Initial Access with Execution');
    expect(body.message).toContain('_ip 10.0.4.20 (ws-042)');
    expect(body.message).toContain(`<b>MITRE tactics:</b> ${SAMPLE_TACTICS}`);
    expect(body.message).toContain(`href="${SAMPLE_LINK}"`);
  });

  it('teams.notify posts a MessageCard on request and an Adaptive Card by default', async () => {
    const report = await exchange(() => ({ status: 200, body: '1' }), async () => {
      await runForInsight(h, one('teams', 'teams.notify', 'teams', { card: 'messagecard' }));
      return runForInsight(h, one('teams', 'teams.notify', 'teams'));
    });
    expect(report.status).toBe('completed');
    expect(peer.received.map((r) => r.url)).toEqual(['/teams/webhookb2/team-s3cr3t-path', '/teams/webhookb2/team-s3cr3t-path']);
    expect(JSON.parse(peer.received[0].body)).toMatchObject({
      '@type': 'MessageCard',
      title: 'INSIGHT-1042: Initial Access with Execution',
      sections: [{ markdown: false, facts: expect.arrayContaining([{ name: 'Entity', value: '_ip 10.0.4.20 (ws-042)' }, { name: 'MITRE tactics', value: SAMPLE_TACTICS }]) }],
      potentialAction: [{ '@type': 'OpenUri', targets: [{ os: 'default', uri: SAMPLE_LINK }] }],
    });
    expect(JSON.parse(peer.received[1].body)).toMatchObject({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            type: 'AdaptiveCard',
            // Insight text in text runs, which Teams never reads as Markdown.
            body: expect.arrayContaining([
              { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'INSIGHT-1042: Initial Access with Execution', weight: 'Bolder', size: 'Medium' }] },
              { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'Entity: ', weight: 'Bolder' }, { type: 'TextRun', text: '_ip 10.0.4.20 (ws-042)' }] },
            ]),
            actions: [{ type: 'Action.OpenUrl', title: 'Open the Insight', url: SAMPLE_LINK }],
          },
        },
      ],
    });
  });

  it('pagerduty.trigger sends an Events API v2 trigger and retries a 503 with the same dedup key', async () => {
    const report = await exchange(
      (_req, n) => (n === 1 ? { status: 503, body: 'unavailable' } : { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: sampleInsight().id } }),
      () => runForInsight(h, one('page', 'pagerduty.trigger', 'pd', { subdomain: 'acme' })),
    );
    expect(report.status).toBe('completed');
    expect(report.steps.page.output).toEqual({ dedupKey: sampleInsight().id, status: 202 });
    expect(peer.received).toHaveLength(2);
    for (const got of peer.received) {
      expect(got.url).toBe('/pd/v2/enqueue');
      expect(JSON.parse(got.body)).toMatchObject({ dedup_key: sampleInsight().id });
    }
    expect(JSON.parse(peer.received[0].body)).toMatchObject({
      routing_key: TOKENS.RIPOSTE_TEST_PD_KEY,
      event_action: 'trigger',
      client: expect.stringMatching(/^riposte \(job cse-page, run cse-page-/),
      client_url: SAMPLE_LINK,
      payload: {
        summary: 'INSIGHT-1042: Initial Access with Execution on _ip 10.0.4.20 (ws-042)',
        source: '10.0.4.20',
        severity: 'error',
        timestamp: '2026-11-23T01:00:00.000Z',
        custom_details: { mitre_tactics: ['Initial Access (TA0001)', 'Execution (TA0002)'], link: SAMPLE_LINK },
      },
      links: [{ href: SAMPLE_LINK, text: 'Insight INSIGHT-1042' }],
    });
  });

  it('pagerduty.trigger does not retry a 400 and names the step and the answer without the routing key', async () => {
    const report = await exchange(() => ({ status: 400, body: { status: 'invalid event', errors: [`routing_key ${TOKENS.RIPOSTE_TEST_PD_KEY} unknown`] } }), () => runForInsight(h, one('page', 'pagerduty.trigger', 'pd')));
    expect(report.status).toBe('failed');
    expect(peer.received).toHaveLength(1);
    expect(report.steps.page.error).toContain('step "page" (pagerduty.trigger)');
    expect(report.steps.page.error).toContain('answered 400');
    expect(report.steps.page.error).not.toContain(TOKENS.RIPOSTE_TEST_PD_KEY);
  });

  it('slack.post calls chat.postMessage with the bot token and the channel, and returns the message ts', async () => {
    const report = await exchange(() => ({ status: 200, body: { ok: true, channel: 'C024BE91L', ts: '1700000000.000100' } }), () => runForInsight(h, one('slack', 'slack.post', 'slack', { channel: '#soc' })));
    expect(report.status).toBe('completed');
    expect(report.steps.slack.output).toEqual({ ts: '1700000000.000100', channel: 'C024BE91L' });
    const [got] = peer.received;
    expect(got.url).toBe('/slack/api/chat.postMessage');
    expect(got.headers.authorization).toBe(`Bearer ${TOKENS.RIPOSTE_TEST_SLACK_TOKEN}`);
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(got.body)).toMatchObject({
      channel: '#soc',
      text: expect.stringContaining('Entity: _ip 10.0.4.20 (ws-042)'),
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: expect.stringMatching(new RegExp(`^\\*<${SAMPLE_LINK.replace(/[.?/]/g, '\\$&')}\\|INSIGHT-1042: Initial Access with Execution>\\*[^]*\\*MITRE tactics:\\* ${SAMPLE_TACTICS.replace(/[()]/g, '\\$&')}`)) } }],
    });
  });

  it('slack.post retries ok:false ratelimited but gives up at once on ok:false channel_not_found', async () => {
    const limited = await exchange(
      (_req, n) => (n === 1 ? { status: 200, body: { ok: false, error: 'ratelimited' } } : { status: 200, body: { ok: true, channel: 'C1', ts: '1.2' } }),
      () => runForInsight(h, one('slack', 'slack.post', 'slack', { channel: 'C1' })),
    );
    expect(limited.status).toBe('completed');
    expect(peer.received).toHaveLength(2);
    const missing = await exchange(() => ({ status: 200, body: { ok: false, error: 'channel_not_found' } }), () => runForInsight(h, one('slack', 'slack.post', 'slack', { channel: '#gone' })));
    expect(missing.status).toBe('failed');
    expect(peer.received).toHaveLength(1);
    expect(missing.steps.slack.error).toBe('step "slack" (slack.post): Slack chat.postMessage answered ok:false: channel_not_found');
  });

  it('slack.webhook posts the complete Insight under the vendor\'s field names, Signals with their Records, and a failure message never shows the webhook path', async () => {
    const ok = await exchange(() => ({ status: 200, body: 'ok' }), () => runForInsight(h, one('hook', 'slack.webhook', 'slack-hook')));
    expect(ok.status).toBe('completed');
    expect(ok.steps.hook.output).toEqual({ status: 200 });
    const [got] = peer.received;
    expect(got.url).toBe('/services/T000/B000/hook-s3cr3t');
    expect(JSON.parse(got.body)).toMatchObject({
      text: expect.stringContaining('"readableId": "INSIGHT-1042"'),
      insight: { readableId: 'INSIGHT-1042', entity: { value: '10.0.4.20' }, status: { name: 'new', displayName: 'New' }, signals: [{ id: 'sig-1', stage: 'Initial Access' }, { id: 'sig-2' }] },
    });
    const sent = JSON.parse(got.body) as { insight: { signals: { allRecords?: unknown[] }[] } };
    expect(sent.insight.signals.map((s) => s.allRecords)).toEqual((sampleInsight().signals ?? []).map((s) => s.allRecords));
    const bad = await exchange(() => ({ status: 404, body: 'no_service' }), () => runForInsight(h, one('hook', 'slack.webhook', 'slack-hook')));
    expect(bad.steps.hook.error).toBe(`step "hook" (slack.webhook): POST http://127.0.0.1:${peer.port} answered 404: no_service`);
  });

  it('email.send with format summary mails the entity, the tactics and the link with a subject of its own', async () => {
    smtp.received.length = 0;
    const report = await runForInsight(h, one('mail', 'email.send', 'smtp', { to: 'soc@example.org', format: 'summary' }));
    expect(report.status).toBe('completed');
    const [mail] = smtp.received;
    expect(mail.parsed.subject).toBe('[HIGH] INSIGHT-1042: Initial Access with Execution');
    expect(mail.parsed.text).toContain('Entity: _ip 10.0.4.20 (ws-042)');
    expect(mail.parsed.text).toContain(`MITRE tactics: ${SAMPLE_TACTICS}`);
    expect(mail.parsed.text).toContain(`Link: ${SAMPLE_LINK}`);
  });

  it('email.send still needs a subject unless the format is summary', () => {
    expect(validateChain(one('mail', 'email.send', 'smtp', { to: 'soc@example.org' })).problems).toEqual([{ path: 'steps[0].with.subject', message: 'give a subject' }]);
  });

  it('refuses, without retrying, to notify from a run that no Insight started', async () => {
    const report = await exchange(() => ({ status: 204 }), () => h.run(one('chat', 'hipchat.notify', 'hipchat', { room: 'soc' })));
    expect(report.status).toBe('failed');
    expect(peer.received).toHaveLength(0);
    expect(report.steps.chat.error).toBe('step "chat" (hipchat.notify): this action sends an Insight, but the run was started by a manual trigger; start the job from an Insight event (insight.created, insight.closed or insight.on_demand)');
  });
});

describe('http.post', () => {
  it('posts the Insight alone by default, in the API envelope, with basic auth, the connection headers and extra headers', async () => {
    const report = await exchange(() => ({ status: 202 }), () => runForInsight(h, one('post', 'http.post', 'soar-post', { headers: { 'X-Source': 'riposte' } }), sampleInsight(), 'insight.closed'));
    expect(report.status).toBe('completed');
    expect(report.steps.post.output).toEqual({ status: 202 });
    const [got] = peer.received;
    expect(got.url).toBe('/ingest/insights');
    expect(got.headers.authorization).toBe(`Basic ${Buffer.from(`cse:${TOKENS.RIPOSTE_TEST_POST_PW}`).toString('base64')}`);
    expect(got.headers['x-tenant']).toBe('acme');
    expect(got.headers['x-source']).toBe('riposte');
    // "The same as the JSON output from the /insight/:id API endpoint": { data, errors }, the Insight as sent less its Signals.
    const alone = Object.fromEntries(Object.entries(sampleInsight()).filter(([k]) => k !== 'signals'));
    expect(JSON.parse(got.body)).toEqual({ data: alone, errors: [] });
  });

  it('adds the Signals with their Records (allRecords) reduced to the selected fields', async () => {
    const report = await exchange(
      () => ({ status: 200 }),
      () => runForInsight(h, one('post', 'http.post', undefined, { url: `${peer.url}/hook`, username: 'cse', password: 'env:RIPOSTE_TEST_POST_PW', includeSignals: true, includeRecords: true, recordFields: 'uid, dstDevice_ip' })),
    );
    expect(report.status).toBe('completed');
    const body = JSON.parse(peer.received[0].body) as { data: { signals: { id: string; allRecords: unknown[] }[] } };
    expect(body.data.signals.map((s) => [s.id, s.allRecords])).toEqual([
      ['sig-1', [{ uid: 'r1', dstDevice_ip: '203.0.113.77' }]],
      ['sig-2', [{ uid: 'r2', dstDevice_ip: '203.0.113.77' }]],
    ]);
  });

  it('with Signals but Records off, sends every Signal without its allRecords and nothing else changed', async () => {
    const report = await exchange(() => ({ status: 200 }), () => runForInsight(h, one('post', 'http.post', 'soar-post', { includeSignals: true })));
    expect(report.status).toBe('completed');
    const insight = sampleInsight();
    expect(JSON.parse(peer.received[0].body)).toEqual({ data: { ...insight, signals: (insight.signals ?? []).map(({ allRecords: _records, ...s }) => s) }, errors: [] });
  });

  it('refuses a literal URL on a port outside the allowed list at validation, naming the field', () => {
    const result = validateChain(one('post', 'http.post', undefined, { url: 'https://soar.example.org:9443/in' }), { allowedPorts: [80, 8080, 443, 8443, 8000] });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ path: 'steps[0].with.url', message: 'port 9443 is not an allowed destination port (80, 8080, 443, 8443, 8000); use one of them, or add it to "allowedPorts" in riposte.config.json' }]);
    expect(validateChain(one('post', 'http.post', undefined, { url: 'https://soar.example.org/in' }), { allowedPorts: [80, 8080, 443, 8443, 8000] }).ok).toBe(true);
  });

  it('needs a URL or a connection, and accepts a port that RIPOSTE_ALLOWED_PORTS adds', () => {
    expect(validateChain(one('post', 'http.post', undefined, {})).problems).toEqual([{ path: 'steps[0].with.url', message: 'give the URL, or name an http connection that holds it' }]);
    const config = loadConfig({ RIPOSTE_ALLOWED_PORTS: '9443' }, fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-ports-')));
    expect(validateChain(one('post', 'http.post', undefined, { url: 'https://soar.example.org:9443/in' }), validationContext(config)).ok).toBe(true);
  });

  it('checks the port again before connecting when the URL comes from a token', async () => {
    const chain = { name: 'post-token', params: { target: 'http://127.0.0.1:9/in' }, steps: [{ id: 'post', action: 'http.post', retry: quickRetry, with: { url: '{{params.target}}' } }] };
    const report = await exchange(() => ({ status: 200 }), () => runForInsight(h, chain));
    expect(report.status).toBe('failed');
    expect(report.steps.post.error).toContain('step "post" (http.post): with.url: port 9 is not an allowed destination port');
  });
});

describe('Insight events', () => {
  it('refuses a job on closed Insights that uses an action the seed offers only for created and on-demand Insights', () => {
    const chain = {
      name: 'closed',
      on: ['insight.created', 'insight.closed'],
      steps: [
        { id: 'post', action: 'http.post', with: { url: 'https://soar.example.org/in' } },
        { id: 'slack', action: 'slack.post', connection: 'slack', with: { channel: '#soc' } },
        { id: 'mail', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', format: 'summary' } },
      ],
    };
    const problems = validateChain(chain).problems;
    // http.post (steps[0]) is the one Cloud SIEM action offered on close.
    expect(problems.map((p) => p.path)).toEqual(['on[1]', 'steps[1].action', 'steps[2].action']);
    expect(problems[1].message).toContain('slack.post does not run when an Insight is closed');
    expect(problems[2].message).toContain('email.send with format summary does not run when an Insight is closed');
  });
});

describe('Insight examples', () => {
  it('every examples/insight-*.json chain validates against the example configuration, and examples/events/insight-phishing.json is an Insight', () => {
    const dir = path.join(__dirname, '..', 'examples');
    const config = loadConfig({ RIPOSTE_CONFIG: path.join(dir, 'config', 'riposte.config.json') }, dir);
    const files = fs.readdirSync(dir).filter((f) => /^insight-.*\.json$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) {
      const result = validateChainText(fs.readFileSync(path.join(dir, file), 'utf8'), validationContext(config));
      expect({ file, problems: result.problems }).toEqual({ file, problems: [] });
    }
    expect(insightSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, 'events', 'insight-phishing.json'), 'utf8'))).success).toBe(true);
  });
});
