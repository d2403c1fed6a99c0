// webhook.send in MockActivityEnvironment against a loopback HTTP peer: the request it receives, the step's output, and failures by status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPeer, type Peer } from '../loopback';
import { preparedRequest } from '../prepared-request';
import { startConnectors, type Connectors } from './connectors';

const TOKEN = 'unit-webhook-s3cret-bearer';
let peer: Peer;
let c: Connectors;
let answer: { status: number; headers?: Record<string, string>; body?: unknown } = { status: 200 };

beforeAll(async () => {
  process.env.RIPOSTE_UNIT_WEBHOOK_TOKEN = TOKEN;
  peer = await startPeer(() => answer);
  c = await startConnectors((config) => {
    config.connections.hook = { type: 'http', url: `${peer.url}/base?tenant=soc`, auth: { type: 'bearer', token: 'env:RIPOSTE_UNIT_WEBHOOK_TOKEN' }, headers: { 'X-Source': 'riposte-unit' } };
  });
});
afterAll(async () => {
  await c?.close();
  await peer?.close();
});

const chain = (withParams: Record<string, unknown>) => ({ name: 'hook-job', steps: [{ id: 'notify', action: 'webhook.send', connection: 'hook', with: withParams }] });

describe('webhook.send', () => {
  it('sends the method, the path below the connection\'s base, its query and the step\'s, its auth and headers, and a JSON body of rendered tokens', async () => {
    peer.received.length = 0;
    answer = { status: 201, body: { id: 'evt-1' } };
    const request = preparedRequest<'webhook.send'>(chain({ method: 'PUT', path: '/hosts/{{result.host}}', query: { severity: 'high' }, headers: { 'X-Rule': '{{job.name}}' }, body: { host: '{{result.host}}', user: '{{result.user}}' } }), [{ host: 'web 1/2', user: 'alice' }], 0);
    const output = await c.run(request);
    expect(output).toEqual({ status: 201, body: { id: 'evt-1' } });
    expect(peer.received).toHaveLength(1);
    const [got] = peer.received;
    expect(got.method).toBe('PUT');
    expect(got.url).toBe('/base/hosts/web%201%2F2?tenant=soc&severity=high');
    expect(got.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'x-source': 'riposte-unit', 'x-rule': 'hook-job', 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey, 'user-agent': 'riposte' });
    expect(JSON.parse(got.body)).toEqual({ host: 'web 1/2', user: 'alice' });
  });

  it('keeps a text answer as text in the output', async () => {
    answer = { status: 200, body: 'accepted' };
    await expect(c.run(preparedRequest<'webhook.send'>(chain({ body: 'plain {{result.host}}' }), [{ host: 'h' }], 0))).resolves.toEqual({ status: 200, body: 'accepted' });
    expect(peer.received.at(-1)).toMatchObject({ method: 'POST', body: 'plain h', headers: { 'content-type': 'text/plain; charset=utf-8' } });
  });

  it('fails a 503 as a retried PeerUnavailableError at the peer\'s Retry-After, and a 404 as a PeerRejectedError that is not retried, neither showing the token', async () => {
    answer = { status: 503, headers: { 'retry-after': '7' }, body: 'maintenance' };
    const unavailable = c.run(preparedRequest<'webhook.send'>(chain({}), []));
    await expect(unavailable).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false, nextRetryDelay: 7000, message: `step "notify" (webhook.send): POST ${peer.url} answered 503: maintenance` });
    answer = { status: 404, body: { error: 'no such hook' } };
    const rejected = await c.run(preparedRequest<'webhook.send'>(chain({}), [])).catch((err: Error) => err);
    expect(rejected).toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: `step "notify" (webhook.send): POST ${peer.url} answered 404: {"error":"no such hook"}` });
    expect(JSON.stringify(rejected)).not.toContain(TOKEN);
  });

  it('refuses a path that would leave the connection\'s base path before sending anything', async () => {
    peer.received.length = 0;
    await expect(c.run(preparedRequest<'webhook.send'>(chain({ path: '/x/{{result.p}}/admin' }), [{ p: '..' }], 0))).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true });
    expect(peer.received).toEqual([]);
  });
});
