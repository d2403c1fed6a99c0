// The store behaves the same on SQLite and on the PostgreSQL server running on this machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../store/store';
import { dropSchemas, storeBackends } from './store-backends';

const backends = storeBackends('store');

describe.each(backends)('the store on %s', (_name, url) => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(url);
  });
  afterAll(async () => {
    await store?.close();
  });

  const incident = (key: string, title = 'Brute force') => ({ idempotencyKey: key, index: 'incidents', job: 'ssh', runId: 'run-1', stepId: 'incident', title, severity: 'high', document: { description: 'x', additional_fields: { a: 1 } } });

  it('creates one incident per idempotency key, however often it is asked', async () => {
    const first = await store.createIncident(incident('run-1/incident/0'));
    const again = await store.createIncident(incident('run-1/incident/0', 'changed'));
    const other = await store.createIncident(incident('run-1/incident/1'));
    expect(first.created).toBe(true);
    expect(again).toEqual({ incident: first.incident, created: false });
    expect(other.incident.incident_id).not.toBe(first.incident.incident_id);
    const listed = await store.listIncidents({ job: 'ssh' });
    expect(listed.map((i) => i.incident_id)).toEqual([other.incident.incident_id, first.incident.incident_id]);
    expect(listed[1]).toMatchObject({ title: 'Brute force', severity: 'high', status: 'open', additional_fields: { a: 1 } });
  });

  it('upserts documents by id within an index', async () => {
    await store.putDocuments('mitre', [{ id: 'd1', body: { technique: 'T1110', n: 1 } }, { id: 'd2', body: { technique: 'T1059', n: 1 } }]);
    await store.putDocuments('mitre', [{ id: 'd1', body: { technique: 'T1110', n: 2 } }]);
    await store.putDocuments('risk', [{ id: 'd1', body: { score: 5 } }]);
    const docs = await store.listDocuments('mitre');
    expect(docs).toHaveLength(2);
    expect(docs.find((d) => d.id === 'd1')).toMatchObject({ technique: 'T1110', n: 2, index: 'mitre' });
    expect(await store.listDocuments('risk')).toHaveLength(1);
  });

  it('merges fields into a document: given fields replace, others stay, and concurrent merges lose nothing', async () => {
    await store.mergeDocument('latest', 'web-1', { host: 'web-1', first_seen: 'a', hits: 1 });
    await store.mergeDocument('latest', 'web-1', { hits: 2, last_seen: 'b', nested: { x: 1 } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.mergeDocument('latest', 'web-1', { [`f${i}`]: i })));
    const [doc] = await store.listDocuments('latest');
    expect(doc).toMatchObject({ id: 'web-1', host: 'web-1', first_seen: 'a', hits: 2, last_seen: 'b', nested: { x: 1 } });
    for (let i = 0; i < 20; i++) expect(doc[`f${i}`]).toBe(i);
    // Keys and ids that name Object.prototype's own properties are plain data.
    await store.mergeDocument('latest', '__proto__', JSON.parse('{"constructor":"x","__proto__":{"polluted":true}}') as Record<string, unknown>);
    await store.mergeDocument('latest', '__proto__', { more: 1 });
    expect(await store.getDocument('latest', '__proto__')).toMatchObject({ id: '__proto__', constructor: 'x', more: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives a throttle key to one holder per window, and to the same holder again', async () => {
    const now = 1_000_000;
    expect((await store.acquireThrottle('k', 'run-a', 60_000, now)).acquired).toBe(true);
    expect((await store.acquireThrottle('k', 'run-a', 60_000, now + 10)).acquired).toBe(true);
    expect(await store.acquireThrottle('k', 'run-b', 60_000, now + 20)).toEqual({ acquired: false, until: now + 60_000 });
    expect((await store.acquireThrottle('k', 'run-b', 60_000, now + 60_000)).acquired).toBe(true);
    expect((await store.acquireThrottle('other', 'run-c', 60_000, now)).acquired).toBe(true);
  });
});

describe('the store on a fresh PostgreSQL database opened by several workers at once', () => {
  // Workers on several machines start together against a database no worker has set up yet.
  const schemas = Array.from({ length: 6 }, (_, i) => `riposte_store_race_${process.pid}_${i}`);
  afterAll(() => dropSchemas(schemas));

  it('lets every one of them open it, and the tables are made once', async () => {
    for (const schema of schemas) {
      const url = `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
      const opened = await Promise.allSettled(Array.from({ length: 6 }, () => Store.open(url)));
      const failures = opened.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
      for (const o of opened) if (o.status === 'fulfilled') await o.value.close();
      expect(failures).toEqual([]);
      const store = await Store.open(url);
      const made = await store.createIncident({ idempotencyKey: 'k', index: 'incidents', job: 'ssh', runId: 'run-1', stepId: 'incident', title: 't', severity: 'high', document: {} });
      expect(made.created).toBe(true);
      await store.close();
    }
  });
});
