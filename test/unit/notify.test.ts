// slack.post, slack.webhook, teams.notify, hipchat.notify and pagerduty.trigger in MockActivityEnvironment against the loopback vendor peer: what each vendor receives and answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityActionName } from '../../dsl';
import { insightTrigger, SAMPLE_LINK, sampleInsight } from '../insight-fixtures';
import { preparedRequest } from '../prepared-request';
import { HIPCHAT_ROOM_TOKEN, hipchatProblems, pagerdutyError, pagerdutyProblems, slackPostMessageProblems, startVendorPeer, teamsWorkflowsProblems, VENDOR_TOKENS, vendorJson, vendorText, type VendorPeer } from '../vendor-peers';
import { startConnectors, type Connectors } from './connectors';

const UI = 'http://127.0.0.1:8233';
let peer: VendorPeer;
let c: Connectors;

beforeAll(async () => {
  peer = await startVendorPeer();
  c = await startConnectors((config) => {
    Object.assign(config.connections, peer.connections);
    config.connections['slack-revoked'] = { type: 'apikey', url: `${peer.url}/slack/api`, key: 'xoxb-revoked-token' };
  });
});
afterAll(async () => {
  await c?.close();
  await peer?.close();
});

/** The request of a one-step chain for the sample Insight's event. */
function request<A extends ActivityActionName>(action: A, connection: string, withParams: Record<string, unknown> = {}) {
  const chain = { name: 'notify-job', steps: [{ id: 'notify', action, connection, with: withParams }] };
  return preparedRequest<A>(chain, [], null, { trigger: insightTrigger(sampleInsight()), runUrl: `${UI}/namespaces/default/workflows/wf-1/run-1/history` });
}

describe('slack.post', () => {
  it('calls chat.postMessage with the bot token and a message Slack takes, outputs Slack\'s ts and channel, and sends once per idempotency key', async () => {
    const req = request('slack.post', 'slack', { channel: '#soc' });
    const output = await peer.exchange(() => undefined, () => c.run(req));
    const ok = vendorJson<{ ts: string }>('slack/chat.postMessage-ok.json');
    expect(output).toEqual({ ts: ok.ts, channel: 'C1H9RESGL' });
    const [got] = peer.received;
    expect(got).toMatchObject({ method: 'POST', url: '/slack/api/chat.postMessage', headers: { authorization: `Bearer ${VENDOR_TOKENS.RIPOSTE_TEST_VENDOR_SLACK}`, 'content-type': 'application/json; charset=utf-8' } });
    const body = JSON.parse(got.body) as Record<string, unknown>;
    expect(slackPostMessageProblems(body)).toEqual([]);
    expect(body).toMatchObject({ channel: '#soc', unfurl_links: false });
    expect(body.text).toContain('INSIGHT-1042: Initial Access with Execution [HIGH]');
    // Attempt 2 of the same execution finds the recorded delivery and sends nothing.
    const again = await peer.exchange(() => undefined, () => c.run(req, { attempt: 2 }));
    expect(again).toEqual(output);
    expect(peer.received).toEqual([]);
  });

  it('reads Slack\'s ok:false answers: channel_not_found is not retried, ratelimited is, a revoked token is the connection\'s fault', async () => {
    const notFound = vendorJson('slack/chat.postMessage-error-channel_not_found.json');
    await expect(peer.exchange(() => ({ status: 200, body: notFound }), () => c.run(request('slack.post', 'slack', { channel: '#gone' })))).rejects.toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: 'step "notify" (slack.post): Slack chat.postMessage answered ok:false: channel_not_found' });
    await expect(peer.exchange(() => ({ status: 200, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } }), () => c.run(request('slack.post', 'slack', { channel: '#soc' })))).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false, nextRetryDelay: 30_000 });
    const revoked = await peer.exchange(() => undefined, () => c.run(request('slack.post', 'slack-revoked', { channel: '#soc' })).catch((err: Error) => err));
    expect(revoked).toMatchObject({ type: 'ConnectionConfigError', nonRetryable: true, message: expect.stringContaining('invalid_auth (check the connection\'s token and its scopes: chat:write)') });
    expect(JSON.stringify(revoked)).not.toContain('xoxb-revoked-token');
  });
});

describe('slack.webhook', () => {
  it('posts { text, insight } to the webhook URL, the Insight whole in a code block, and outputs the status', async () => {
    const output = await peer.exchange(() => undefined, () => c.run(request('slack.webhook', 'slack-hook')));
    expect(output).toEqual({ status: 200 });
    const [got] = peer.received;
    expect(got).toMatchObject({ method: 'POST', url: '/services/T000/B000/sh-s3cr3t-path', headers: { 'content-type': 'application/json' } });
    const body = JSON.parse(got.body) as { text: string; insight: unknown };
    expect(body.insight).toEqual(sampleInsight());
    expect(body.text.startsWith('INSIGHT-1042: Initial Access with Execution\n```')).toBe(true);
  });

  it('answers each documented incoming-webhook error: rollup_error (500) retried, the 4xx ones not, the URL\'s secret path never shown', async () => {
    for (const e of vendorJson<{ status: number; body: string }[]>('slack/incoming-webhook-errors.json')) {
      const failure = await peer.exchange(() => ({ status: e.status, body: e.body }), () => c.run(request('slack.webhook', 'slack-hook')).catch((err: Error) => err));
      expect({ e, failure }).toMatchObject({ e, failure: { type: e.status >= 500 ? 'PeerUnavailableError' : 'PeerRejectedError', nonRetryable: e.status < 500, message: `step "notify" (slack.webhook): POST ${peer.url} answered ${e.status}: ${e.body}` } });
      expect(JSON.stringify(failure)).not.toContain('sh-s3cr3t-path');
    }
  });
});

describe('teams.notify', () => {
  it('posts the Adaptive Card message a Workflows webhook takes, and a MessageCard on request', async () => {
    await expect(peer.exchange(() => undefined, () => c.run(request('teams.notify', 'workflows')))).resolves.toEqual({ status: 200 });
    expect(peer.received[0]).toMatchObject({ method: 'POST', url: '/workflows/triggers/manual/paths/invoke?sig=tw-s3cr3t-path', headers: { 'content-type': 'application/json' } });
    const card = peer.delivered[0].body;
    expect(teamsWorkflowsProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain(`"url":"${SAMPLE_LINK}"`);
    await expect(peer.exchange(() => undefined, () => c.run(request('teams.notify', 'teams', { card: 'messagecard' })))).resolves.toEqual({ status: 200 });
    expect(peer.delivered[0].body).toMatchObject({ '@type': 'MessageCard', title: 'INSIGHT-1042: Initial Access with Execution', themeColor: 'FF4500' });
  });

  it('treats Teams\' 200 answers that report a failure as failures: the 429 one retried, the 400 one not, and neither recorded as delivered', async () => {
    const limited = request('teams.notify', 'teams');
    await expect(peer.exchange(() => ({ status: 200, body: vendorText('teams/failure-429.txt') }), () => c.run(limited))).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false });
    expect(await c.store.findDelivery(limited.idempotencyKey)).toBeUndefined();
    const refused = await peer.exchange(() => ({ status: 200, body: vendorText('teams/failure-400.txt') }), () => c.run(request('teams.notify', 'teams', { card: 'messagecard' })).catch((err: Error) => err));
    expect(refused).toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: expect.stringContaining('(a Workflows webhook takes Adaptive Cards only: remove card: "messagecard")') });
    expect(JSON.stringify(refused)).not.toContain('tw-s3cr3t-path');
  });
});

describe('hipchat.notify', () => {
  it('sends a room notification within HipChat\'s documented fields, coloured by severity, with the room token as bearer', async () => {
    await expect(peer.exchange(() => undefined, () => c.run(request('hipchat.notify', 'hipchat-server', { room: 'SOC Room' })))).resolves.toEqual({ status: 204 });
    const [got] = peer.received;
    expect(got).toMatchObject({ method: 'POST', url: '/hipchat/v2/room/SOC%20Room/notification', headers: { authorization: `Bearer ${HIPCHAT_ROOM_TOKEN}` } });
    const body = JSON.parse(got.body) as Record<string, unknown>;
    expect(hipchatProblems(body)).toEqual([]);
    expect(body).toMatchObject({ message_format: 'html', color: 'red', notify: false, from: 'riposte' });
  });

  it('refuses, unsent and not retried, a connection without the server\'s URL', async () => {
    const failure = await peer.exchange(() => undefined, () => c.run(request('hipchat.notify', 'hipchat-cloud', { room: 'soc' })).catch((err: Error) => err));
    expect(failure).toMatchObject({ type: 'ConnectionConfigError', nonRetryable: true, message: expect.stringContaining('HipChat Cloud (api.hipchat.com) was shut down in February 2019') });
    expect(peer.received).toEqual([]);
  });
});

describe('pagerduty.trigger', () => {
  it('enqueues an Events API v2 trigger PagerDuty accepts, deduplicated on the Insight id, with the run\'s page as client_url', async () => {
    const output = await peer.exchange(() => undefined, () => c.run(request('pagerduty.trigger', 'pd')));
    expect(output).toEqual({ dedupKey: sampleInsight().id, status: 202 });
    const [got] = peer.received;
    expect(got).toMatchObject({ method: 'POST', url: '/pd/v2/enqueue', headers: { 'content-type': 'application/json' } });
    expect(pagerdutyProblems(got.body)).toEqual([]);
    const event = JSON.parse(got.body) as Record<string, unknown>;
    expect(event).toMatchObject({ routing_key: VENDOR_TOKENS.RIPOSTE_TEST_VENDOR_PD_KEY, event_action: 'trigger', dedup_key: sampleInsight().id, client_url: `${UI}/namespaces/default/workflows/wf-1/run-1/history`, payload: { severity: 'error', source: '10.0.4.20' } });
  });

  it('retries PagerDuty\'s 429 and not its 400, whose errors the failure quotes', async () => {
    await expect(peer.exchange(() => ({ status: 429, body: 'Request Limit Exceeded' }), () => c.run(request('pagerduty.trigger', 'pd')))).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false });
    const refused = await peer.exchange(() => ({ status: 400, body: pagerdutyError(['payload.summary is required']) }), () => c.run(request('pagerduty.trigger', 'pd')).catch((err: Error) => err));
    expect(refused).toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: expect.stringContaining('answered 400: {"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["payload.summary is required"]}') });
    expect(JSON.stringify(refused)).not.toContain(VENDOR_TOKENS.RIPOSTE_TEST_VENDOR_PD_KEY);
  });
});
