// xsoar.incident in MockActivityEnvironment against a loopback XSOAR 8 API peer: the create-incident call with both API headers, the incident id, and failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insightTrigger, sampleInsight } from '../insight-fixtures';
import { startPeer, type Peer } from '../loopback';
import { preparedRequest } from '../prepared-request';
import { vendorJson } from '../vendor-peers';
import { startConnectors, type Connectors } from './connectors';

const API_KEY = 'XSOAR-UNIT-KEY-s3cr3t-0123456789';
const KEY_ID = '17';
/** The headers the Cortex XSOAR 8 API reference's example sends (test/fixtures/vendor/xsoar/api-8-request-headers.json). */
const documented = vendorJson<{ url: string; headers: Record<string, string> }>('xsoar/api-8-request-headers.json');
let peer: Peer;
let c: Connectors;
let answer: { status: number; body?: unknown } = { status: 201, body: { id: '4711' } };

beforeAll(async () => {
  process.env.RIPOSTE_UNIT_XSOAR_KEY = API_KEY;
  peer = await startPeer((req) => {
    const missing = Object.keys(documented.headers).filter((h) => req.headers[h.toLowerCase()] === undefined);
    if (missing.length > 0) return { status: 400, body: { error: `missing ${missing.join(', ')}` } };
    if (req.headers.authorization !== API_KEY || req.headers['x-xdr-auth-id'] !== KEY_ID) return { status: 401, body: { error: 'unauthorized' } };
    return answer;
  });
  c = await startConnectors((config) => {
    config.connections.xsoar = { type: 'apikey', url: peer.url, key: 'env:RIPOSTE_UNIT_XSOAR_KEY', keyId: KEY_ID, version: 8 };
    config.connections['xsoar-other'] = { type: 'apikey', url: peer.url, key: 'XSOAR-UNIT-WRONG-s3cret', keyId: KEY_ID, version: 8 };
  });
});
afterAll(async () => {
  await c?.close();
  await peer?.close();
});

const incident = (connection: string, withParams: Record<string, unknown> = {}) =>
  preparedRequest<'xsoar.incident'>({ name: 'xsoar-job', steps: [{ id: 'soar', action: 'xsoar.incident', connection, with: withParams }] }, [], null, { trigger: insightTrigger(sampleInsight()) });

describe('xsoar.incident', () => {
  it('posts the Insight to /xsoar/public/v1/incident/json with the key and its ID as XSOAR 8 documents them, outputs the incident id, and creates it once', async () => {
    peer.received.length = 0;
    const request = incident('xsoar', { extraHeaders: 'X-Tenant: soc' });
    await expect(c.run(request)).resolves.toEqual({ incidentId: '4711' });
    const [got] = peer.received;
    expect(got).toMatchObject({ method: 'POST', url: '/xsoar/public/v1/incident/json', headers: { authorization: API_KEY, 'x-xdr-auth-id': KEY_ID, accept: 'application/json', 'content-type': 'application/json', 'x-tenant': 'soc' } });
    expect(JSON.parse(got.body)).toEqual(sampleInsight());
    await expect(c.run(request, { attempt: 2 })).resolves.toEqual({ incidentId: '4711' });
    expect(peer.received).toHaveLength(1);
  });

  it('leaves the Records out on request', async () => {
    peer.received.length = 0;
    await c.run(incident('xsoar', { excludeRecords: true }));
    const body = JSON.parse(peer.received[0].body) as { signals: Record<string, unknown>[] };
    expect(body.signals.map((s) => 'allRecords' in s)).toEqual([false, false]);
  });

  it('fails a 401 as a PeerRejectedError without the key, a 503 as retried, and an answer without an id as refused', async () => {
    const refused = await c.run(incident('xsoar-other')).catch((err: Error) => err);
    expect(refused).toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: `step "soar" (xsoar.incident): POST ${peer.url} answered 401: {"error":"unauthorized"}` });
    expect(JSON.stringify(refused)).not.toContain('XSOAR-UNIT-WRONG-s3cret');
    answer = { status: 503, body: 'unavailable' };
    await expect(c.run(incident('xsoar'))).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false });
    answer = { status: 200, body: { name: 'no id' } };
    await expect(c.run(incident('xsoar'))).rejects.toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: 'step "soar" (xsoar.incident): XSOAR answered 200 without an incident id' });
    answer = { status: 201, body: { id: '4711' } };
  });
});
