// recordedfuture.enrich against a Recorded Future Connect API peer on 127.0.0.1: lookups, cache, stored enrichments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indicatorsOf } from '../activities/recordedfuture-enrich';
import { startHarness, startPeer, type Harness } from './helpers';
import { recordTestSecret } from './secrets-ledger';
import type { Insight } from '../dsl';
import { publishedInsight, quickRetry, runForInsight, sampleInsight, vendorFixture } from './insight-fixtures';
import { recordedFutureAnswer, RF_HASH } from './recordedfuture-peer';

const TOKEN = 'rf-api-token-s3cr3t-abcdef0123456789';
const HASH = RF_HASH;

let h: Harness;
let rf: Awaited<ReturnType<typeof startPeer>>;
let sink: Awaited<ReturnType<typeof startPeer>>;

beforeAll(async () => {
  recordTestSecret('Recorded Future API token', TOKEN);
  recordTestSecret('wrong Recorded Future API token', 'wrong-s3cr3t-token-000000');
  process.env.RIPOSTE_TEST_RF_TOKEN = TOKEN;
  rf = await startPeer((req) => recordedFutureAnswer(req, TOKEN));
  sink = await startPeer(() => ({ status: 200 }));
  h = await startHarness((config) => {
    config.allowedPorts.push(sink.port);
    config.connections.rf = { type: 'apikey', url: rf.url, key: 'env:RIPOSTE_TEST_RF_TOKEN' };
    config.connections['rf-wrong'] = { type: 'apikey', url: rf.url, key: 'wrong-s3cr3t-token-000000' };
  });
});
afterAll(async () => {
  await h?.close();
  await rf?.close();
  await sink?.close();
});

const enrichThenPost = (withParams: Record<string, unknown>, connection = 'rf') => ({
  name: 'rf',
  steps: [
    { id: 'rf', action: 'recordedfuture.enrich', connection, retry: quickRetry, with: withParams },
    { id: 'post', action: 'http.post', with: { url: `${sink.url}/in`, includeSignals: true } },
  ],
});

describe('recordedfuture.enrich', () => {
  it('looks up each public IP, domain and hash of the Records in allRecords once, and attaches the answers to the Insight and its Signals', async () => {
    rf.received.length = 0;
    sink.received.length = 0;
    const insight = sampleInsight({ id: 'insight-rf-1' });
    const report = await runForInsight(h, enrichThenPost({ enrichInsight: true, enrichSignals: true }), insight);
    expect(report.status).toBe('completed');
    expect(rf.received.map((r) => r.url).sort()).toEqual([`/v2/domain/evil-login.example.net?fields=risk`, `/v2/hash/${HASH}?fields=risk`, '/v2/ip/203.0.113.77?fields=risk']);
    expect(rf.received.every((r) => r.method === 'GET' && r.headers['x-rftoken'] === TOKEN)).toBe(true);
    const output = report.steps.rf.output as { enrichments: Record<string, unknown>[]; lookups: number; cacheHits: number };
    expect(output.lookups).toBe(3);
    expect(output.cacheHits).toBe(0);
    expect(output.enrichments.filter((e) => e.target === 'insight').map((e) => [e.type, e.indicator, e.riskScore])).toEqual([
      ['ip', '203.0.113.77', 89],
      ['domain', 'evil-login.example.net', 65],
      ['hash', HASH, null],
    ]);
    expect(output.enrichments).toContainEqual({
      target: 'signal', targetId: 'sig-1', type: 'ip', indicator: '203.0.113.77', source: 'recordedfuture', found: true,
      riskScore: 89, criticality: 'Malicious', riskSummary: '5 of 64 Risk Rules currently observed.', rules: ['Current C&C Server', 'Recent Phishing Host'],
    });
    expect(output.enrichments).toContainEqual(expect.objectContaining({ target: 'signal', targetId: 'sig-2', type: 'hash', found: false }));

    // The next step sends the Insight with its enrichments attached.
    const posted = (JSON.parse(sink.received[0].body) as { data: { enrichments: { indicator: string }[]; signals: { id: string; enrichments?: { indicator: string }[] }[] } }).data;
    expect(posted.enrichments.map((e) => e.indicator)).toEqual(['203.0.113.77', 'evil-login.example.net', HASH]);
    expect(posted.signals.map((s) => [s.id, (s.enrichments ?? []).map((e) => e.indicator)])).toEqual([
      ['sig-1', ['203.0.113.77', 'evil-login.example.net']],
      ['sig-2', [HASH, '203.0.113.77']],
    ]);
    const [doc] = (await h.store.listDocuments('enrichments')).filter((d) => d.insightId === 'insight-rf-1');
    expect((doc.insight as unknown[]).length).toBe(3);
  });

  it('answers repeated indicators from the cache without spending API credits', async () => {
    const insight = sampleInsight({ id: 'insight-rf-2' });
    await runForInsight(h, enrichThenPost({ cacheTtl: '1h' }), insight);
    rf.received.length = 0;
    const report = await runForInsight(h, enrichThenPost({ cacheTtl: '1h' }), sampleInsight({ id: 'insight-rf-3' }));
    expect(report.status).toBe('completed');
    expect(rf.received).toHaveLength(0);
    expect(report.steps.rf.output).toMatchObject({ lookups: 0, cacheHits: 3 });
  });

  it('stops looking up at maxLookups and counts what it skipped', async () => {
    rf.received.length = 0;
    const report = await runForInsight(h, enrichThenPost({ cacheTtl: '1ms', maxLookups: 1 }), sampleInsight({ id: 'insight-rf-4' }));
    expect(report.status).toBe('completed');
    expect(rf.received).toHaveLength(1);
    expect(report.steps.rf.output).toMatchObject({ lookups: 1, cacheHits: 0, skipped: 2, enrichments: [{ type: 'ip', indicator: '203.0.113.77' }] });
  });

  it('does not retry a refused token and never shows it', async () => {
    rf.received.length = 0;
    const report = await runForInsight(h, enrichThenPost({ cacheTtl: '1ms' }, 'rf-wrong'));
    expect(report.status).toBe('failed');
    expect(rf.received).toHaveLength(1);
    expect(report.steps.rf.error).toContain(`step "rf" (recordedfuture.enrich): GET ${rf.url} answered 401`);
    expect(report.steps.rf.error).not.toContain('wrong-s3cr3t-token-000000');
  });

  it('reads nothing where Cloud SIEM sent no Records, and spends no lookup on the redacted Records of its API answer', async () => {
    rf.received.length = 0;
    const { data } = vendorFixture<{ data: Insight }>('sumologic/api-insight-status.json');
    const redacted = await runForInsight(h, enrichThenPost({ enrichInsight: true, enrichSignals: true }), data);
    expect(redacted.status).toBe('completed');
    expect(redacted.steps.rf.output).toMatchObject({ enrichments: [], lookups: 0 });
    const published = await runForInsight(h, enrichThenPost({ enrichInsight: true }), publishedInsight());
    expect(published.steps.rf.output).toMatchObject({ enrichments: [], lookups: 0 });
    expect(rf.received).toHaveLength(0);
  });

  it('adds no enrichments field to an Insight nothing was found for: the Insight goes on as sent', async () => {
    sink.received.length = 0;
    const { data } = vendorFixture<{ data: Insight }>('sumologic/api-insight-status.json');
    await runForInsight(h, enrichThenPost({ enrichInsight: true, enrichSignals: true }), data);
    // http.post with Signals and without Records: the Insight as sent, less its allRecords.
    expect(JSON.parse(sink.received[0].body)).toEqual({ data: { ...data, signals: (data.signals ?? []).map(({ allRecords: _records, ...s }) => s) }, errors: [] });
  });

  it('finds domains only in host-like fields unless fields are named, and skips internal addresses', () => {
    const records = [{ src_ip: '192.168.1.4', dst_ip: '198.51.100.9', fileName: 'invoice.exe', dns_query: 'Bad.Example.COM', referrer: 'http://[2001:db8::1]/x', note: 'seen at evil.example.org' }];
    expect(indicatorsOf(records, undefined)).toEqual([
      { type: 'ip', value: '198.51.100.9' },
      { type: 'domain', value: 'bad.example.com' },
      { type: 'ip', value: '2001:db8::1' },
    ]);
    expect(indicatorsOf(records, ['fileName'])).toEqual([{ type: 'domain', value: 'invoice.exe' }]);
  });
});
