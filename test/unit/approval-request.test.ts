// approval.request's activities in MockActivityEnvironment on a SQLite store: the approval and its hashed links, a webhook channel's message on a loopback peer, closing, and a channel that fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApprovalRequest } from '../../dsl';
import { linkHash } from '../../store/approvals';
import { startPeer, type Peer } from '../loopback';
import { startConnectors, type Connectors } from './connectors';

let peer: Peer;
let c: Connectors;
let answer: { status: number; body?: unknown } = { status: 200 };

beforeAll(async () => {
  peer = await startPeer(() => answer);
  c = await startConnectors((config) => {
    config.api.publicUrl = 'https://riposte.example.org';
    config.connections.hook = { type: 'http', url: `${peer.url}/approvals` };
  });
});
afterAll(async () => {
  await c?.close();
  await peer?.close();
});

const expiresAt = new Date(Date.now() + 3_600_000).toISOString();

/** What the workflow asks for a once-mode approval with one webhook channel. */
function opening(key: string): OpenApprovalRequest {
  return {
    key,
    runId: 'run-unit-1',
    workflowId: 'run-unit-1',
    job: 'approve-block',
    stepId: 'ask',
    stepIndex: 0,
    index: null,
    message: 'Block 203.0.113.7 on the firewall?',
    approvers: ['alice'],
    expiresAt,
    next: ['block (webhook.send)'],
    channels: [{ action: 'webhook.send', connection: 'hook', with: {} }],
    context: { results: [{ src_ip: '203.0.113.7' }], job: { name: 'approve-block' }, run: { id: 'run-unit-1', startedAt: new Date().toISOString() } },
    strict: false,
  } as OpenApprovalRequest;
}

describe('approval.request', () => {
  it('records the approval, keeps only the hashes of its two links, sends them to the channel, and returns no link', async () => {
    peer.received.length = 0;
    answer = { status: 200 };
    const outcome = await c.inActivity(c.activities.openApproval, opening('run-unit-1/ask/once'));
    expect(outcome).toEqual({ channels: [{ action: 'webhook.send', connection: 'hook', sent: true, ref: '200' }] });
    expect(await c.store.approvals.get('run-unit-1/ask/once')).toMatchObject({ status: 'pending', approvers: ['alice'], message: 'Block 203.0.113.7 on the firewall?', expiresAt });
    const [got] = peer.received;
    expect(got).toMatchObject({ method: 'POST', url: '/approvals/', headers: { 'content-type': 'application/json', 'idempotency-key': 'run-unit-1/ask/once/channel/0' } });
    const body = JSON.parse(got.body) as { message: string; approveUrl: string; rejectUrl: string; expiresAt: string; runId: string; stepId: string };
    expect(body).toMatchObject({ message: 'Block 203.0.113.7 on the firewall?', expiresAt, runId: 'run-unit-1', stepId: 'ask', index: null });
    const approve = body.approveUrl.replace('https://riposte.example.org/approvals/', '');
    const reject = body.rejectUrl.replace('https://riposte.example.org/approvals/', '');
    expect(approve).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await c.store.approvals.findLink(approve)).toBeUndefined();
    expect(await c.store.approvals.findLink(linkHash(approve))).toMatchObject({ decision: 'approved', approval: { key: 'run-unit-1/ask/once' } });
    expect(await c.store.approvals.findLink(linkHash(reject))).toMatchObject({ decision: 'rejected' });
    expect(JSON.stringify(outcome)).not.toContain(approve);

    await c.inActivity(c.activities.closeApproval, { key: 'run-unit-1/ask/once', status: 'approved', by: 'alice', via: 'link', at: new Date().toISOString() });
    expect(await c.store.approvals.get('run-unit-1/ask/once')).toMatchObject({ status: 'approved', decidedBy: 'alice' });
  });

  it('fails as the channel\'s connector does (a 500 retried, a 400 not), with the links scrubbed from the message', async () => {
    answer = { status: 500, body: 'oops' };
    await expect(c.inActivity(c.activities.openApproval, opening('run-unit-2/ask/once'))).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false, message: `step "ask.channels[0]" (webhook.send): POST ${peer.url} answered 500: oops` });
    peer.received.length = 0;
    answer = { status: 400, body: 'echo' };
    const failure = await c.inActivity(c.activities.openApproval, opening('run-unit-3/ask/once')).catch((err: Error) => err);
    expect(failure).toMatchObject({ type: 'PeerRejectedError', nonRetryable: true });
    const sent = JSON.parse(peer.received[0].body) as { approveUrl: string };
    expect(JSON.stringify(failure)).not.toContain(sent.approveUrl.split('/').at(-1));
  });
});
