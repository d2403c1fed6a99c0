// events.index, mitre.risk and risk.assign write what the store's readers see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../dsl';
import { startHarness, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const results = [
  { host: 'web-1', user: 'alice', bytes: 10 },
  { host: 'web-2', user: 'bob', bytes: 20 },
];

describe('document-writing actions', () => {
  it('events.index adds a document per result, takes only the first result in once mode, and upserts one document with update', async () => {
    await h.run({ name: 'idx', steps: [{ id: 'all', action: 'events.index', mode: 'each', with: { index: 'seen-hosts' } }] }, results);
    expect((await h.store.listDocuments('seen-hosts')).map((d) => d.host).sort()).toEqual(['web-1', 'web-2']);
    await h.run({ name: 'idx', steps: [{ id: 'first', action: 'events.index', with: { index: 'first-host' } }] }, results);
    expect((await h.store.listDocuments('first-host')).map((d) => d.host)).toEqual(['web-1']);
    const upsert = { name: 'idx', steps: [{ id: 'latest', action: 'events.index', with: { index: 'latest-total', update: true, document: { total: '{{json results.length}}', last: '{{result.host}}' } } }] };
    await h.run(upsert, results);
    await h.run(upsert, [{ host: 'web-9' }]);
    expect(await h.store.listDocuments('latest-total')).toEqual([expect.objectContaining({ total: 1, last: 'web-9' })]);
  });

  it('mitre.risk records score times fidelity for the system and the user of each result', async () => {
    await h.run({ name: 'risk', steps: [{ id: 'r', action: 'mitre.risk', mode: 'each', with: { name: 'lateral movement', category: 'both', score: '{{result.bytes}}', fidelity: 0.5 } }] }, results);
    const docs = await h.store.listDocuments('risk');
    const alice = docs.find((d) => d.entity === 'alice');
    expect(alice).toMatchObject({ category: 'user', score: 10, fidelity: 0.5, risk: 5, name: 'lateral movement' });
    expect(docs.find((d) => d.entity === 'web-2')).toMatchObject({ category: 'system', risk: 10 });
  });

  it('risk.assign writes score, scoring type and result fields to the chosen index', async () => {
    await h.run({ name: 'assign', steps: [{ id: 'a', action: 'risk.assign', mode: 'each', with: { score: 40, index: 'host-risk', scoringType: 'exfiltration', fields: { host: '{{result.host}}' } } }] }, results);
    expect((await h.store.listDocuments('host-risk')).map((d) => [d.host, d.score, d.scoring_type]).sort()).toEqual([
      ['web-1', 40, 'exfiltration'],
      ['web-2', 40, 'exfiltration'],
    ]);
  });

  it('refuses a fidelity outside 0..1 and an unknown risk category by path', () => {
    const result = validateChain({ name: 'x', steps: [{ id: 'r', action: 'mitre.risk', with: { category: 'network', score: 1, fidelity: 2 } }] });
    expect(result.ok ? [] : result.problems).toEqual(
      expect.arrayContaining([
        { path: 'steps[0].with.fidelity', message: 'fidelity is between 0 and 1' },
        expect.objectContaining({ path: 'steps[0].with.category' }),
      ]),
    );
  });
});
