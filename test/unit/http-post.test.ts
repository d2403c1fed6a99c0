// http.post in MockActivityEnvironment against a loopback peer: the Insight in the Cloud SIEM API's envelope, basic auth, and failures by status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insightTrigger, publishedInsight, sampleInsight, vendorFixture } from '../insight-fixtures';
import { startPeer, type Peer } from '../loopback';
import { preparedRequest } from '../prepared-request';
import { startConnectors, type Connectors } from './connectors';

const PASSWORD = 'unit-http-post-s3cret-pw';
let peer: Peer;
let c: Connectors;
let answer: { status: number; body?: unknown } = { status: 200 };

beforeAll(async () => {
  process.env.RIPOSTE_UNIT_POST_PASSWORD = PASSWORD;
  peer = await startPeer(() => answer);
  c = await startConnectors((config) => {
    config.allowedPorts = [peer.port];
    config.connections.soar = { type: 'http', url: `${peer.url}/hooks/cse`, auth: { type: 'basic', username: 'cse', password: 'env:RIPOSTE_UNIT_POST_PASSWORD' } };
  });
});
afterAll(async () => {
  await c?.close();
  await peer?.close();
});

const post = (withParams: Record<string, unknown> = {}, connection: string | null = 'soar') => ({ name: 'post-job', steps: [{ id: 'post', action: 'http.post', ...(connection ? { connection } : {}), with: withParams }] });

describe('http.post', () => {
  it('POSTs the Insight as GET /sec/v1/insights/{id} answers it, { data, errors: [] }, without Signals by default, with the connection\'s basic auth', async () => {
    peer.received.length = 0;
    answer = { status: 200 };
    const insight = publishedInsight();
    const request = preparedRequest<'http.post'>(post(), [], null, { trigger: insightTrigger(insight) });
    await expect(c.run(request)).resolves.toEqual({ status: 200 });
    const [got] = peer.received;
    expect(got).toMatchObject({ method: 'POST', url: '/hooks/cse' });
    expect(got.headers).toMatchObject({ authorization: `Basic ${Buffer.from(`cse:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey });
    const body = JSON.parse(got.body) as { data: Record<string, unknown>; errors: unknown[] };
    // The same envelope as the vendor's own API answer.
    expect(Object.keys(body)).toEqual(Object.keys(vendorFixture('sumologic/api-insight-details.json')));
    const withoutSignals = Object.fromEntries(Object.entries(insight).filter(([k]) => k !== 'signals'));
    expect(body).toEqual({ data: withoutSignals, errors: [] });
  });

  it('includes Signals and only the named Record fields when asked, to a URL the step gives', async () => {
    peer.received.length = 0;
    const request = preparedRequest<'http.post'>(post({ url: `${peer.url}/in`, includeSignals: true, includeRecords: true, recordFields: 'uid,dstDevice_ip' }, null), [], null, { trigger: insightTrigger(sampleInsight()) });
    await expect(c.run(request)).resolves.toEqual({ status: 200 });
    const data = (JSON.parse(peer.received[0].body) as { data: { signals: { allRecords: unknown[] }[] } }).data;
    expect(peer.received[0].url).toBe('/in');
    expect(peer.received[0].headers.authorization).toBeUndefined();
    expect(data.signals.map((s) => s.allRecords)).toEqual([[{ uid: 'r1', dstDevice_ip: '203.0.113.77' }], [{ uid: 'r2', dstDevice_ip: '203.0.113.77' }]]);
  });

  it('fails a 502 as a retried PeerUnavailableError and a 401 as a PeerRejectedError, neither showing the password; a port not allowed is refused unsent', async () => {
    const request = () => preparedRequest<'http.post'>(post(), [], null, { trigger: insightTrigger() });
    answer = { status: 502, body: 'bad gateway' };
    await expect(c.run(request())).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false });
    answer = { status: 401, body: 'unauthorized' };
    const refused = await c.run(request()).catch((err: Error) => err);
    expect(refused).toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: `step "post" (http.post): POST ${peer.url} answered 401: unauthorized` });
    expect(JSON.stringify(refused)).not.toContain(PASSWORD);
    peer.received.length = 0;
    const elsewhere = preparedRequest<'http.post'>(post({ url: 'http://127.0.0.1:1/in' }, null), [], null, { trigger: insightTrigger() });
    await expect(c.run(elsewhere)).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining('port 1 is not an allowed destination port') });
    expect(peer.received).toEqual([]);
  });

  it('refuses to send a connection\'s credentials to a with.url of another origin, sending nothing', async () => {
    peer.received.length = 0;
    answer = { status: 200 };
    const elsewhere = `http://localhost:${peer.port}/in`;
    const refused = await c.run(preparedRequest<'http.post'>(post({ url: elsewhere }), [], null, { trigger: insightTrigger() })).catch((err: Error) => err);
    expect(refused).toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining(`with.url sends to http://localhost:${peer.port}, not to the connection's origin ${peer.url}`) });
    expect(JSON.stringify(refused)).not.toContain(PASSWORD);
    expect(peer.received).toEqual([]);
    // The connection's own origin with another path is still the connection's.
    await expect(c.run(preparedRequest<'http.post'>(post({ url: `${peer.url}/other` }), [], null, { trigger: insightTrigger() }))).resolves.toEqual({ status: 200 });
    expect(peer.received.map((r) => [r.url, r.headers.authorization])).toEqual([['/other', `Basic ${Buffer.from(`cse:${PASSWORD}`).toString('base64')}`]]);
  });

  it('fails without retrying when the run was not started by an Insight event', async () => {
    await expect(c.run(preparedRequest<'http.post'>(post(), []))).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining('the run was started by a manual trigger') });
  });
});
