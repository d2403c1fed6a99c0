// Teams, Slack, PagerDuty and HipChat against loopback peers that check and answer as each vendor documents, failure answers included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertValidChain, insightView, type Insight } from '../dsl';
import { adaptiveCard, teamsFailure } from '../activities/teams-notify';
import { slackPostBody } from '../activities/slack-post';
import { slackWebhookText } from '../activities/slack-webhook';
import { pagerdutyEvent, PAGERDUTY_LIMITS } from '../activities/pagerduty-trigger';
import { clipSlack, escapeSlack } from '../activities/shared/insight/slack';
import { utcTimestamp } from '../activities/shared/insight/time';
import { insightSummary } from '../activities/shared/insight/summary';
import { readRun, startRun, type RunReport } from '../control/client';
import { startHarness, type Harness } from './helpers';
import { recordTestSecret } from './secrets-ledger';
import { CLOUD_SIEM_URL, SAMPLE_LINK, quickRetry, sampleInsight } from './insight-fixtures';
import hostile from './fixtures/hostile-values.json';
import { hipchatProblems, pagerdutyError, pagerdutyProblems, slackDisplayed, slackMentions, slackPostMessageProblems, slackSequences, startVendorPeer, teamsWorkflowsProblems, HIPCHAT_ROOM_TOKEN, TEAMS_MAX_BYTES, VENDOR_TOKENS, vendorJson, vendorText, type VendorPeer } from './vendor-peers';

const HOSTILE = Object.entries(hostile).filter(([k]) => k !== '$comment') as [string, string][];
const UI = 'http://127.0.0.1:8233';

let h: Harness;
let peer: VendorPeer;
let exchange: VendorPeer['exchange'];
let delivered: VendorPeer['delivered'];

beforeAll(async () => {
  peer = await startVendorPeer();
  ({ exchange, delivered } = peer);
  for (const [name, value] of Object.entries(VENDOR_TOKENS)) recordTestSecret(name, value);
  recordTestSecret('Teams webhook path', 'tw-s3cr3t-path');
  recordTestSecret('Slack webhook path', 'sh-s3cr3t-path');
  h = await startHarness((config) => Object.assign(config.connections, peer.connections));
  recordTestSecret('HipChat room token', HIPCHAT_ROOM_TOKEN);
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

const one = (id: string, action: string, connection: string, withParams: Record<string, unknown> = {}) => ({
  name: `vendor-${id}`,
  steps: [{ id, action, connection, retry: quickRetry, with: withParams }],
});

/** Runs a chain for an Insight event the way the intake API starts it, with the Temporal UI's address known. */
async function runFor(chain: object, insight: Insight = sampleInsight(), options: { workflowId?: string; uiUrl?: string; cloudSiemUrl?: string } = {}): Promise<RunReport> {
  // The intake builds the Insight's view (its link from cloudSiem.url) when the event comes in.
  const { cloudSiemUrl = CLOUD_SIEM_URL, ...rest } = options;
  const view = insightView(insight, { cloudSiemUrl: cloudSiemUrl || undefined });
  const handle = await startRun(h.client, { chain: assertValidChain(chain), results: [], trigger: { type: 'insight.created', insight, insightView: view }, taskQueue: h.taskQueue, store: h.store, ...rest });
  return readRun(handle, { wait: true, store: h.store });
}

describe('teams.notify', () => {
  it('sends the Adaptive Card message of the Workflows webhooks by default, which a Workflows webhook takes, and a MessageCard only on request', async () => {
    const report = await exchange(() => undefined, async () => {
      await runFor(one('teams', 'teams.notify', 'workflows'));
      return runFor(one('teams', 'teams.notify', 'teams', { card: 'messagecard' }));
    });
    expect(report.status).toBe('completed');
    expect(delivered).toHaveLength(2);
    const [card, legacy] = delivered.map((d) => d.body);
    expect(teamsWorkflowsProblems(card)).toEqual([]);
    expect(card).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', body: expect.arrayContaining([{ type: 'RichTextBlock', inlines: [expect.objectContaining({ type: 'TextRun', text: 'INSIGHT-1042: Initial Access with Execution' })] }]) } }] });
    expect(legacy).toMatchObject({ '@type': 'MessageCard', title: 'INSIGHT-1042: Initial Access with Execution' });
  });

  it('a 200 whose text names a 429 is retried, and the message is delivered and recorded exactly once', async () => {
    const workflowId = `teams-429-${Date.now()}`;
    const report = await exchange((_req, n) => (n === 1 ? { status: 200, body: vendorText('teams/failure-429.txt') } : undefined), () => runFor(one('teams', 'teams.notify', 'teams'), sampleInsight(), { workflowId }));
    expect(report.status).toBe('completed');
    expect(report.steps.teams.output).toEqual({ status: 200 });
    expect(peer.received).toHaveLength(2);
    expect(delivered).toHaveLength(1);
    // The same step executed again finds the one recorded delivery and sends nothing.
    const again = await exchange(() => undefined, () => runFor(one('teams', 'teams.notify', 'teams'), sampleInsight(), { workflowId }));
    expect(again.steps.teams.output).toEqual({ status: 200 });
    expect(peer.received).toHaveLength(0);
  });

  it('a 200 whose text names a 400 fails at once and is not recorded as delivered, so the step sends again when executed again', async () => {
    const workflowId = `teams-400-${Date.now()}`;
    const failed = await exchange(() => ({ status: 200, body: vendorText('teams/failure-400.txt') }), () => runFor(one('teams', 'teams.notify', 'teams', { card: 'messagecard' }), sampleInsight(), { workflowId }));
    expect(failed.status).toBe('failed');
    expect(peer.received).toHaveLength(1);
    expect(failed.steps.teams.error).toBe('step "teams" (teams.notify): Teams answered 200 but did not deliver the message: Microsoft Teams endpoint returned HTTP error 400 with ContextId tcid=385194272617051900,server=BL2PEPF000001C8,cv=wUmM9kBhpkiOZnT3ZEwhdg.0.. (a Workflows webhook takes Adaptive Cards only: remove card: "messagecard")');
    expect(await h.store.findDelivery(`${workflowId}/teams/once`)).toBeUndefined();
    const again = await exchange(() => undefined, () => runFor(one('teams', 'teams.notify', 'teams'), sampleInsight(), { workflowId }));
    expect(again.status).toBe('completed');
    expect(delivered).toHaveLength(1);
  });

  it('reads every Teams answer Microsoft publishes: 429 and a failure without status retried, 400 and 413 not, "1" delivered', () => {
    expect(teamsFailure({ status: 200, text: vendorText('teams/failure-429.txt') })).toMatchObject({ type: 'PeerUnavailableError', status: 429 });
    expect(teamsFailure({ status: 200, text: vendorText('teams/failure-contacting.txt') })).toMatchObject({ type: 'PeerUnavailableError' });
    expect(teamsFailure({ status: 200, text: vendorText('teams/failure-400.txt') })).toMatchObject({ type: 'PeerRejectedError', status: 400 });
    expect(teamsFailure({ status: 200, text: vendorText('teams/failure-413.txt') })).toMatchObject({ type: 'PeerRejectedError', status: 413 });
    expect(teamsFailure({ status: 200, text: vendorText('teams/incoming-webhook-ok.txt') })).toBeUndefined();
    expect(teamsFailure({ status: 202, text: '' })).toBeUndefined();
    expect(teamsFailure({ status: 200, text: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 503 with ContextId x' })).toMatchObject({ type: 'PeerUnavailableError', status: 503 });
  });

  it('keeps every card within Teams\' 28 KB and valid for a Workflows webhook, whatever the Insight holds', () => {
    for (const [name, value] of HOSTILE) {
      const summary = insightSummary(insightView(sampleInsight({ name: value.repeat(name === 'long' ? 1000 : 1), entity: { entityType: '_ip', value: value.repeat(name === 'long' ? 1000 : 1) } })));
      const card = adaptiveCard(summary) as Record<string, unknown>;
      const json = JSON.stringify(card);
      expect({ name, bytes: Buffer.byteLength(json) < TEAMS_MAX_BYTES }).toEqual({ name, bytes: true });
      expect({ name, problems: teamsWorkflowsProblems(JSON.parse(json) as Record<string, unknown>) }).toEqual({ name, problems: [] });
      expect(json).toContain(JSON.stringify(`INSIGHT-1042: ${value}`.slice(0, 500)).slice(1, -1));
    }
  });
});

describe('slack.post and slack.webhook', () => {
  const mention = hostile.slackMention;

  it('an Insight named "Login by <!here> <@U…>" mentions nobody in chat.postMessage\'s text or blocks, and reads as written', async () => {
    const report = await exchange(() => undefined, () => runFor(one('slack', 'slack.post', 'slack', { channel: '#soc' }), sampleInsight({ name: mention })));
    expect(report.status).toBe('completed');
    expect(report.steps.slack.output).toEqual({ ts: vendorJson<{ ts: string }>('slack/chat.postMessage-ok.json').ts, channel: 'C1H9RESGL' });
    const [{ body }] = delivered;
    const block = (body.blocks as { text: { text: string } }[])[0].text.text;
    for (const text of [body.text as string, block]) {
      expect(slackMentions(text)).toEqual([]);
      expect(slackDisplayed(text)).toContain(`INSIGHT-1042: ${mention}`);
    }
    expect(body.text).toContain('Login by &lt;!here&gt; &lt;@U012AB3CD&gt;');
    // The one sequence in the block is the link to the Insight.
    expect(slackSequences(block)).toEqual([`${SAMPLE_LINK}|INSIGHT-1042: Login by &lt;!here&gt; &lt;@U012AB3CD&gt;`]);
  });

  it('slack.webhook escapes the name line and the JSON of its text, so the same Insight mentions nobody there either', async () => {
    const report = await exchange(() => undefined, () => runFor(one('hook', 'slack.webhook', 'slack-hook'), sampleInsight({ name: mention })));
    expect(report.status).toBe('completed');
    const text = delivered[0].body.text as string;
    expect(slackSequences(text)).toEqual([]);
    expect(text.startsWith('INSIGHT-1042: Login by &lt;!here&gt; &lt;@U012AB3CD&gt;\n```')).toBe(true);
    expect(text.endsWith('```')).toBe(true);
    expect(slackDisplayed(text)).toContain(`"name": ${JSON.stringify(mention)}`);
  });

  it('a huge Insight stays within Block Kit\'s limits: one section of at most 3000 characters, text within 40,000, the link still closed', async () => {
    const long = hostile.long.repeat(500);
    const report = await exchange(() => undefined, () => runFor(one('slack', 'slack.post', 'slack', { channel: 'C1' }), sampleInsight({ name: long, entity: { entityType: '_ip', value: long } })));
    expect(report.status).toBe('completed');
    const [{ body }] = delivered;
    expect(slackPostMessageProblems(body)).toEqual([]);
    const block = (body.blocks as { text: { text: string } }[])[0].text.text;
    expect(block.length).toBeLessThanOrEqual(3000);
    expect(slackSequences(block)).toHaveLength(1);
  });

  it('answers Slack\'s incoming-webhook errors as documented: 5xx rollup_error retried, the 4xx ones at once', async () => {
    const errors = vendorJson<{ status: number; body: string }[]>('slack/incoming-webhook-errors.json');
    for (const e of errors) {
      const report = await exchange(() => ({ status: e.status, body: e.body }), () => runFor(one('hook', 'slack.webhook', 'slack-hook')));
      expect({ e, status: report.status, attempts: peer.received.length }).toEqual({ e, status: 'failed', attempts: e.status >= 500 ? quickRetry.maxAttempts : 1 });
      expect(report.steps.hook.error).toBe(`step "hook" (slack.webhook): POST http://127.0.0.1:${peer.port} answered ${e.status}: ${e.body}`);
    }
  });

  it('escapes every hostile value in both Slack texts and keeps both within Slack\'s limits', () => {
    for (const [name, value] of HOSTILE) {
      const insight = insightView(sampleInsight({ name: value, entity: { entityType: '_ip', value } }));
      const body = slackPostBody(insightSummary(insight), '#soc');
      expect({ name, problems: slackPostMessageProblems(body) }).toEqual({ name, problems: [] });
      const block = (body.blocks as { text: { text: string } }[])[0].text.text;
      const hookText = slackWebhookText(`INSIGHT-1042: ${value}`, { name: value });
      for (const text of [body.text as string, block, hookText]) {
        expect({ name, mentions: slackMentions(text) }).toEqual({ name, mentions: [] });
        expect({ name, shown: slackDisplayed(text).includes(value) }).toEqual({ name, shown: true });
      }
      expect(slackSequences(hookText)).toEqual([]);
    }
  });

  it('clips escaped text without leaving half an entity or half a surrogate pair', () => {
    expect(clipSlack(escapeSlack('a&b'), 3)).toBe('a…');
    expect(clipSlack('ab\u{1F600}c', 4)).toBe('ab…');
    expect(clipSlack('short', 10)).toBe('short');
  });
});

describe('pagerduty.trigger', () => {
  it('sends an event PagerDuty accepts whose client names riposte, the job and the run, and whose client_url is the run\'s page', async () => {
    const workflowId = `pd-client-${Date.now()}`;
    const report = await exchange(() => undefined, () => runFor(one('page', 'pagerduty.trigger', 'pd', { subdomain: 'acme' }), sampleInsight(), { workflowId, uiUrl: UI }));
    expect(report.status).toBe('completed');
    expect(report.steps.page.output).toEqual({ dedupKey: sampleInsight().id, status: 202 });
    const event = JSON.parse(peer.received[0].body) as Record<string, unknown>;
    expect(event.client).toBe(`riposte (job vendor-page, run ${workflowId})`);
    expect(String(event.client_url)).toMatch(new RegExp(`^${UI}/namespaces/default/workflows/${workflowId}/[0-9a-f-]+/history$`));
    expect(JSON.stringify(event)).not.toContain('pagerduty.com');
    expect(event.links).toEqual([
      { href: SAMPLE_LINK, text: 'Insight INSIGHT-1042' },
      { href: event.client_url, text: `riposte run ${workflowId}` },
    ]);
  });

  it('without the UI\'s address, client_url is the Insight\'s link; without either there is none', async () => {
    const withLink = await exchange(() => undefined, () => runFor(one('page', 'pagerduty.trigger', 'pd')));
    expect(withLink.status).toBe('completed');
    expect(JSON.parse(peer.received[0].body)).toMatchObject({ client_url: SAMPLE_LINK });
    const without = await exchange(() => undefined, () => runFor(one('page', 'pagerduty.trigger', 'pd'), sampleInsight(), { cloudSiemUrl: '' }));
    expect(without.status).toBe('completed');
    expect(JSON.parse(peer.received[0].body)).not.toHaveProperty('client_url');
  });

  it('reads a timestamp without a zone as UTC and sends it with one', async () => {
    const report = await exchange(() => undefined, () => runFor(one('page', 'pagerduty.trigger', 'pd'), sampleInsight({ created: '2026-11-23T01:00:00.123' })));
    expect(report.status).toBe('completed');
    expect(JSON.parse(peer.received[0].body)).toMatchObject({ payload: { timestamp: '2026-11-23T01:00:00.123Z' } });
    expect(utcTimestamp('2015-07-17T08:42:58.315+0000')).toBe('2015-07-17T08:42:58.315Z');
    expect(utcTimestamp('2026-11-23 03:00:00')).toBe('2026-11-23T03:00:00.000Z');
    expect(utcTimestamp('2026-11-23T03:00:00+02:00')).toBe('2026-11-23T01:00:00.000Z');
    expect(utcTimestamp(1_700_000_000_000)).toBe('2023-11-14T22:13:20.000Z');
    expect(utcTimestamp('not a time')).toBeUndefined();
  });

  it('retries PagerDuty\'s 429 and takes the 202 after it; a 400 the peer answers for a bad event is not retried', async () => {
    const limited = await exchange((_req, n) => (n === 1 ? { status: 429, body: 'Request Limit Exceeded' } : undefined), () => runFor(one('page', 'pagerduty.trigger', 'pd')));
    expect(limited.status).toBe('completed');
    expect(peer.received).toHaveLength(2);
    const refused = await exchange(() => ({ status: 400, body: pagerdutyError(['payload.summary is required']) }), () => runFor(one('page', 'pagerduty.trigger', 'pd')));
    expect(refused.status).toBe('failed');
    expect(peer.received).toHaveLength(1);
    expect(refused.steps.page.error).toContain('answered 400: {"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["payload.summary is required"]}');
  });

  it('keeps every event within the Events API\'s documented fields, enums and lengths, whatever the Insight holds', () => {
    for (const [name, value] of HOSTILE) {
      const big = value.repeat(name === 'long' ? 100 : 1);
      const event = pagerdutyEvent(insightView(sampleInsight({ name: big, entity: { entityType: big, value: big } })), { job: 'j', runId: 'r' });
      expect({ name, problems: pagerdutyProblems(JSON.stringify({ routing_key: 'k', ...event })) }).toEqual({ name, problems: [] });
      expect([...(event.payload as { summary: string }).summary].length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
    }
    const ownExample = vendorText('pagerduty/enqueue-trigger-request.json');
    expect(pagerdutyProblems(ownExample)).toEqual([]);
  });
});

describe('links', () => {
  it('never makes a link of an Insight link that is not http(s), in Teams, Slack or PagerDuty', () => {
    for (const link of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<b>x</b>', 'not a url']) {
      const insight = insightView(sampleInsight(), { cloudSiemUrl: link });
      const summary = insightSummary(insight);
      expect(JSON.stringify(adaptiveCard(summary))).not.toContain('Action.OpenUrl');
      const block = (slackPostBody(summary, 'C1').blocks as { text: { text: string } }[])[0].text.text;
      expect(slackSequences(block)).toEqual([]);
      const event = pagerdutyEvent(insight, { job: 'j', runId: 'r' });
      expect(event).not.toHaveProperty('client_url');
      expect(event).not.toHaveProperty('links');
    }
  });
});

describe('hipchat.notify', () => {
  it('sends a notification within HipChat\'s documented fields to the server the connection names, a huge Insight included', async () => {
    const long = hostile.long.repeat(200);
    const report = await exchange(() => undefined, () => runFor(one('chat', 'hipchat.notify', 'hipchat-server', { room: 'SOC' }), sampleInsight({ name: long, entity: { entityType: '_ip', value: hostile.html } })));
    expect(report.status).toBe('completed');
    expect(report.steps.chat.output).toEqual({ status: 204 });
    const body = JSON.parse(peer.received[0].body) as Record<string, unknown>;
    expect(hipchatProblems(body)).toEqual([]);
    expect(body.message).not.toContain('<script>');
  });


  it('refuses, without retrying, a connection without a url, saying HipChat Cloud is gone and what to give instead', async () => {
    const report = await exchange(() => undefined, () => runFor(one('chat', 'hipchat.notify', 'hipchat-cloud', { room: 'soc' })));
    expect(report.status).toBe('failed');
    expect(peer.received).toHaveLength(0);
    expect(report.steps.chat.error).toBe('step "chat" (hipchat.notify): connection "hipchat-cloud" has no url; HipChat Cloud (api.hipchat.com) was shut down in February 2019, so give the base URL of your HipChat Server or Data Center, e.g. "url": "https://hipchat.example.org"');
  });
});
