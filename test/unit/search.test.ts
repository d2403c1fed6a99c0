// A job's HTTP search (the runSearch activity) in MockActivityEnvironment against a loopback peer: the GET it sends, the rows, large sets kept in SQLite, and failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INLINE_RESULTS_LIMIT, type SearchRequest } from '../../dsl';
import { startPeer, type Peer } from '../loopback';
import { startConnectors, type Connectors } from './connectors';

const TOKEN = 'unit-search-s3cret-token';
let peer: Peer;
let c: Connectors;
let answer: { status: number; body?: unknown } = { status: 200, body: [] };

beforeAll(async () => {
  process.env.RIPOSTE_UNIT_SEARCH_TOKEN = TOKEN;
  peer = await startPeer(() => answer);
  c = await startConnectors((config) => {
    config.connections.siem = { type: 'http', url: `${peer.url}/api`, auth: { type: 'bearer', token: 'env:RIPOSTE_UNIT_SEARCH_TOKEN' } };
  });
});
afterAll(async () => {
  await c?.close();
  await peer?.close();
});

const search = (url: string, runId = 'run-search-1'): SearchRequest => ({
  job: 'search-job',
  runId,
  search: { connection: 'siem', url, runOnEmpty: false },
  timeframe: { from: '2026-11-23T00:00:00.000Z', to: '2026-11-23T01:00:00.000Z' },
});

describe('runSearch over HTTP', () => {
  it('GETs the search below the connection\'s URL with the timeframe and the token, and returns the rows inline', async () => {
    peer.received.length = 0;
    answer = { status: 200, body: { rows: [{ host: 'web-1', hits: 3 }, { host: 'web-2', hits: 9 }] } };
    await expect(c.inActivity(c.activities.runSearch, search('alerts?q=ssh'))).resolves.toEqual({ count: 2, rows: [{ host: 'web-1', hits: 3 }, { host: 'web-2', hits: 9 }] });
    const [got] = peer.received;
    expect(got.method).toBe('GET');
    expect(got.url).toBe('/api/alerts?q=ssh&from=2026-11-23T00%3A00%3A00.000Z&to=2026-11-23T01%3A00%3A00.000Z');
    expect(got.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, accept: 'application/json' });
  });

  it('keeps a result set too large for a payload in the store and returns a reference to it', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ i, pad: 'x'.repeat(Math.ceil(INLINE_RESULTS_LIMIT / 40)) }));
    answer = { status: 200, body: rows };
    const outcome = await c.inActivity(c.activities.runSearch, search('alerts', 'run-search-big'));
    expect(outcome).toEqual({ count: 50, rows: [], ref: { id: 'run-search-big/search', count: 50 } });
    expect(await c.store.loadResultSet('run-search-big/search', 0, 100, 100 * 1_048_576)).toEqual(rows);
  });

  it('fails an answer without rows as refused, a 503 as retried, and a URL off the connection\'s origin before sending', async () => {
    answer = { status: 200, body: { hits: 2 } };
    await expect(c.inActivity(c.activities.runSearch, search('alerts'))).rejects.toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: `search of job "search-job": GET ${peer.url} answered 200 without a JSON array of rows (nor an object with "rows" or "results")` });
    answer = { status: 503, body: 'busy' };
    const busy = await c.inActivity(c.activities.runSearch, search('alerts')).catch((err: Error) => err);
    expect(busy).toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false });
    expect(JSON.stringify(busy)).not.toContain(TOKEN);
    peer.received.length = 0;
    await expect(c.inActivity(c.activities.runSearch, search('http://127.0.0.2:9/steal'))).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining("leaves the connection's origin") });
    expect(peer.received).toEqual([]);
  });
});
