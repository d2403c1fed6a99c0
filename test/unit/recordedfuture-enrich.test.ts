// recordedfuture.enrich in MockActivityEnvironment against a loopback Connect API peer: lookups, the cache and stored enrichments in SQLite, and failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insightTrigger, sampleInsight } from '../insight-fixtures';
import { startPeer, type Peer } from '../loopback';
import { preparedRequest } from '../prepared-request';
import { recordedFutureAnswer, RF_HASH } from '../recordedfuture-peer';
import { startConnectors, type Connectors } from './connectors';

const TOKEN = 'rf-unit-token-s3cr3t-0123456789';
let peer: Peer;
let c: Connectors;
let outage = false;

beforeAll(async () => {
  process.env.RIPOSTE_UNIT_RF_TOKEN = TOKEN;
  peer = await startPeer((req) => (outage ? { status: 503, body: 'down' } : recordedFutureAnswer(req, TOKEN)));
  c = await startConnectors((config) => {
    config.connections.rf = { type: 'apikey', url: peer.url, key: 'env:RIPOSTE_UNIT_RF_TOKEN' };
    config.connections['rf-wrong'] = { type: 'apikey', url: peer.url, key: 'rf-unit-wrong-s3cret' };
  });
});
afterAll(async () => {
  await c?.close();
  await peer?.close();
});

const enrich = (withParams: Record<string, unknown>, insightId: string, connection = 'rf') =>
  preparedRequest<'recordedfuture.enrich'>({ name: 'rf-job', steps: [{ id: 'rf', action: 'recordedfuture.enrich', connection, with: withParams }] }, [], null, { trigger: insightTrigger(sampleInsight({ id: insightId })) });

describe('recordedfuture.enrich', () => {
  it('GETs each public indicator of the Records once with the token, outputs the answers, keeps them for the Insight, and answers again from the cache', async () => {
    peer.received.length = 0;
    const output = await c.run(enrich({ enrichInsight: true, enrichSignals: true, cacheTtl: '1h' }, 'insight-unit-rf-1'));
    expect(peer.received.map((r) => [r.method, r.url, r.headers['x-rftoken']])).toEqual([
      ['GET', '/v2/ip/203.0.113.77?fields=risk', TOKEN],
      ['GET', '/v2/domain/evil-login.example.net?fields=risk', TOKEN],
      ['GET', `/v2/hash/${RF_HASH}?fields=risk`, TOKEN],
    ]);
    expect(output).toMatchObject({ lookups: 3, cacheHits: 0, skipped: 0 });
    expect(output.enrichments.filter((e) => e.target === 'insight').map((e) => [e.type, e.indicator, e.found, e.riskScore, e.criticality])).toEqual([
      ['ip', '203.0.113.77', true, 89, 'Malicious'],
      ['domain', 'evil-login.example.net', true, 65, 'Suspicious'],
      ['hash', RF_HASH, false, null, null],
    ]);
    const stored = (await c.store.listDocuments('enrichments')).find((d) => d.insightId === 'insight-unit-rf-1');
    expect((stored?.insight as unknown[]).length).toBe(3);
    peer.received.length = 0;
    await expect(c.run(enrich({ cacheTtl: '1h' }, 'insight-unit-rf-2'))).resolves.toMatchObject({ lookups: 0, cacheHits: 3 });
    expect(peer.received).toEqual([]);
  });

  it('fails a refused token without retrying or showing it, and a 503 as retried', async () => {
    const refused = await c.run(enrich({ cacheTtl: '1ms' }, 'insight-unit-rf-3', 'rf-wrong')).catch((err: Error) => err);
    expect(refused).toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: expect.stringContaining(`step "rf" (recordedfuture.enrich): GET ${peer.url} answered 401`) });
    expect(JSON.stringify(refused)).not.toContain('rf-unit-wrong-s3cret');
    outage = true;
    try {
      await expect(c.run(enrich({ cacheTtl: '1ms' }, 'insight-unit-rf-4'))).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false });
    } finally {
      outage = false;
    }
  });
});
