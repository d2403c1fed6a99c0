// Smart Monitor action options exactly as its documentation means them, asserted on what the store and the peers received: severity, drilldown bounds, updates, computed fields, numbers, GET bodies, Run Once of job.run, cancellation.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, assertValidChain, validateChain } from '../dsl';
import { readRun, startRun } from '../control/client';
import { startHarness, startPeer, type Harness } from './helpers';

const hostile = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, string>;
const hostileValues = Object.entries(hostile).filter(([k]) => k !== '$comment');

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;

beforeAll(async () => {
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
  });
  fs.mkdirSync(h.config.jobsDir, { recursive: true });
  fs.writeFileSync(
    path.join(h.config.jobsDir, 'child-count.json'),
    JSON.stringify({ name: 'child-count', steps: [{ id: 'seen', action: 'events.index', with: { index: 'child-seen', document: { count: '{{json results.length}}', handed: '{{json results}}', first: '{{result.host}}', tag: '{{params.tag}}' } } }] }),
  );
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

function problemsOf(chain: object) {
  const v = validateChain(chain);
  return v.ok ? [] : v.problems;
}

describe('severity from a token', () => {
  it('accepts the known levels in any case and stores them lower-case, for incident.create and mitre.tag', async () => {
    const report = await h.run(
      {
        name: 'severity-any-case',
        steps: [
          { id: 'incident', action: 'incident.create', mode: 'each', with: { title: 'seen {{result.host}}', severity: '{{result.sev}}' } },
          { id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1110'], severity: '{{result.sev}}' } },
        ],
      },
      [
        { host: 'web-1', sev: 'High' },
        { host: 'web-2', sev: ' MEDIUM ' },
      ],
    );
    expect(report.status).toBe('completed');
    const incidents = await h.store.listIncidents({ job: 'severity-any-case' });
    expect(incidents.map((i) => [i.title, i.severity]).sort()).toEqual([
      ['seen web-1', 'high'],
      ['seen web-2', 'medium'],
    ]);
    const tags = (await h.store.listDocuments('mitre')).filter((d) => d.job === 'severity-any-case');
    expect(tags.map((d) => d.severity).sort()).toEqual(['high', 'medium']);
    // A literal in any case is accepted at validation too.
    expect(problemsOf({ name: 'x', steps: [{ id: 'i', action: 'incident.create', with: { title: 't', severity: 'Critical' } }] })).toEqual([]);
  });

  it('fails the result whose token is no known level, naming the field and the value, for every hostile value', async () => {
    const results = hostileValues.map(([, value]) => ({ sev: value }));
    const report = await h.run({ name: 'severity-hostile', steps: [{ id: 'incident', action: 'incident.create', mode: 'each', onError: 'continue', with: { title: 't', severity: '{{result.sev}}' } }] }, results);
    expect(report.steps.incident.status).toBe('failed');
    expect(await h.store.listIncidents({ job: 'severity-hostile' })).toEqual([]);
    expect(report.steps.incident.error).toContain(`${hostileValues.length} of ${hostileValues.length} results failed`);
    expect(report.steps.incident.error).toMatch(/steps\[0\]\.with\.severity: write one of info, low, medium, high, critical \(in any case\) \(rendered value: /);
  });
});

describe('drilldown bounds', () => {
  it('refuses a bound that is no time at validation, and after rendering fails the result with the rendered value', async () => {
    expect(problemsOf({ name: 'x', steps: [{ id: 'i', action: 'incident.create', with: { title: 't', drilldown: { type: 'search', text: 'q', from: 'yesterday-ish', to: '2026-02-30T00:00:00Z' } } }] })).toEqual([
      { path: 'steps[0].with.drilldown.from', message: 'not a time: write an ISO 8601 time ("2026-11-22T06:00:00Z"), now, a relative time ("-24h", "-1d@d") or date math ("now-1h", "now-1d/d")' },
      { path: 'steps[0].with.drilldown.to', message: 'not a time: write an ISO 8601 time ("2026-11-22T06:00:00Z"), now, a relative time ("-24h", "-1d@d") or date math ("now-1h", "now-1d/d")' },
    ]);
    expect(problemsOf({ name: 'x', steps: [{ id: 'i', action: 'incident.create', with: { title: 't', drilldown: { type: 'search', text: 'q', from: '2026-11-22T06:00:00Z', to: '2026-11-22T00:00:00Z' } } }] })).toEqual([
      { path: 'steps[0].with.drilldown.to', message: 'the drilldown ends before it starts: "to" is earlier than "from"' },
    ]);
    const report = await h.run(
      { name: 'drilldown-bounds', steps: [{ id: 'incident', action: 'incident.create', mode: 'each', onError: 'continue', with: { title: '{{result.host}}', drilldown: { type: 'search', text: 'host={{result.host}}', from: '{{result.since}}', to: 'now' } } }] },
      [
        { host: 'web-1', since: 'yesterday-ish' },
        { host: 'web-2', since: '-1d@d' },
        { host: 'web-3', since: 'now-15m' },
        { host: 'web-4', since: '2026-11-22T06:00:00+02:00' },
      ],
    );
    expect(report.steps.incident.error).toBe('1 of 4 results failed; result 0: steps[0].with.drilldown.from: not a time: write an ISO 8601 time ("2026-11-22T06:00:00Z"), now, a relative time ("-24h", "-1d@d") or date math ("now-1h", "now-1d/d") (rendered value: "yesterday-ish")');
    const incidents = await h.store.listIncidents({ job: 'drilldown-bounds' });
    expect(incidents.map((i) => [i.title, (i.drilldown as { from: string }).from, (i.drilldown as { to: string }).to]).sort()).toEqual([
      ['web-2', '-1d@d', 'now'],
      ['web-3', 'now-15m', 'now'],
      ['web-4', '2026-11-22T06:00:00+02:00', 'now'],
    ]);
  });
});

describe('events.index update', () => {
  it('merges the fields into the existing document, keeping the fields the update does not carry', async () => {
    const chain = (document: Record<string, unknown>) => ({ name: 'merge-latest', steps: [{ id: 'latest', action: 'events.index', with: { index: 'merge-latest', update: true, document } }] });
    await h.run(chain({ first_seen: '{{result.at}}', host: '{{result.host}}', hits: '{{json results.length}}' }), [{ host: 'web-1', at: '2026-11-22T01:00:00Z' }]);
    await h.run(chain({ last_seen: '{{result.at}}', hits: '{{json results.length}}' }), [{ at: '2026-11-22T02:00:00Z' }, { at: '2026-11-22T02:05:00Z' }]);
    const docs = await h.store.listDocuments('merge-latest');
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ first_seen: '2026-11-22T01:00:00Z', host: 'web-1', last_seen: '2026-11-22T02:00:00Z', hits: 2, job: 'merge-latest', step_id: 'latest' });
  });

  it('in each mode updates the document each result names with documentId, and refuses an update without one', async () => {
    const chain = { name: 'merge-hosts', steps: [{ id: 'host', action: 'events.index', mode: 'each', with: { index: 'merge-hosts', update: true, documentId: '{{result.host}}', document: { host: '{{result.host}}', last_user: '{{result.user}}' } } }] };
    await h.run(chain, [
      { host: 'web-1', user: 'alice' },
      { host: 'web-2', user: 'bob' },
    ]);
    await h.run({ ...chain, steps: [{ ...chain.steps[0], with: { index: 'merge-hosts', update: true, documentId: '{{result.host}}', document: { last_ip: '{{result.ip}}' } } }] }, [{ host: 'web-1', ip: '10.0.0.5' }]);
    const docs = await h.store.listDocuments('merge-hosts');
    expect(Object.fromEntries(docs.map((d) => [d.id, { host: d.host, last_user: d.last_user, last_ip: d.last_ip }]))).toEqual({
      'web-1': { host: 'web-1', last_user: 'alice', last_ip: '10.0.0.5' },
      'web-2': { host: 'web-2', last_user: 'bob', last_ip: undefined },
    });
    const each = (w: Record<string, unknown>) => problemsOf({ name: 'x', steps: [{ id: 'u', action: 'events.index', mode: 'each', with: { index: 'i', ...w } }] });
    expect(each({ update: true })).toEqual([
      { path: 'steps[0].with.documentId', message: 'in each mode every result updates the document documentId names: give one from the result, e.g. "{{result.host}}", or use mode "once" to update one document' },
    ]);
    expect(each({ update: true, documentId: 'one-for-all' })).toEqual([
      { path: 'steps[0].with.documentId', message: 'this documentId is the same for every result, so all results would update one document in no set order: build it from the result, e.g. "{{result.host}}", or use mode "once"' },
    ]);
    expect(each({ documentId: '{{result.host}}' })).toEqual([
      { path: 'steps[0].with.documentId', message: 'documentId names the document to update: set "update": true, or remove documentId (without update every execution adds a new document)' },
    ]);
  });

  it('takes a hostile documentId as the plain id of a document in the step\'s own index', async () => {
    const results = hostileValues.filter(([, v]) => v.length <= 200).map(([key, value]) => ({ key, value }));
    const report = await h.run({ name: 'merge-hostile', steps: [{ id: 'u', action: 'events.index', mode: 'each', with: { index: 'merge-hostile', update: true, documentId: '{{result.value}}', document: { key: '{{result.key}}' } } }] }, results);
    expect(report.status).toBe('completed');
    const docs = await h.store.listDocuments('merge-hostile', { limit: 1000 });
    expect(Object.fromEntries(docs.map((d) => [d.id, d.key]))).toEqual(Object.fromEntries(results.map((r) => [r.value, r.key])));
  });
});

describe('computed fields and additionalFields', () => {
  it('refuses additional fields that name a field mitre.tag, mitre.risk or risk.assign computes', () => {
    expect(problemsOf({ name: 'x', steps: [{ id: 't', action: 'mitre.tag', with: { techniques: ['T1110'], additionalFields: { severity: 'low', incident_id: 'INC-9', technique: 'T0000', note: 'ok' } } }] }).map((p) => p.path)).toEqual([
      'steps[0].with.additionalFields.severity',
      'steps[0].with.additionalFields.incident_id',
      'steps[0].with.additionalFields.technique',
    ]);
    expect(problemsOf({ name: 'x', steps: [{ id: 'r', action: 'mitre.risk', with: { category: 'user', score: 5, additionalFields: { risk: 1000 } } }] })).toEqual([
      { path: 'steps[0].with.additionalFields.risk', message: '"risk" is a field mitre.risk writes itself (name, category, entity, score, fidelity, risk, event, job, run_id, step_id, timestamp, id, index, created_at, updated_at); give the additional field another name' },
    ]);
    expect(problemsOf({ name: 'x', steps: [{ id: 'a', action: 'risk.assign', with: { score: 5, scoringType: 's', fields: { score: 99 } } }] }).map((p) => p.path)).toEqual(['steps[0].with.fields.score']);
  });

  it('stores the computed fields the step output reports, beside the additional ones', async () => {
    const report = await h.run(
      {
        name: 'computed-win',
        steps: [
          { id: 'incident', action: 'incident.create', with: { title: 't' } },
          { id: 'tag', action: 'mitre.tag', with: { techniques: ['T1110'], severity: 'high', additionalFields: { analyst: '{{result.user}}' } } },
          { id: 'risk', action: 'mitre.risk', with: { category: 'user', score: 8, fidelity: 0.5, additionalFields: { reason: 'spray' } } },
        ],
      },
      [{ user: 'alice' }],
    );
    const incidentId = (report.steps.tag.output as { incident_id: string }).incident_id;
    expect(incidentId).toBe((report.steps.incident.output as { incident_id: string }).incident_id);
    const [tag] = (await h.store.listDocuments('mitre')).filter((d) => d.job === 'computed-win');
    expect(tag).toMatchObject({ incident_id: incidentId, severity: 'high', technique: 'T1110', analyst: 'alice' });
    const [risk] = (await h.store.listDocuments('risk')).filter((d) => d.job === 'computed-win');
    expect(risk).toMatchObject({ risk: 4, score: 8, fidelity: 0.5, reason: 'spray', entity: 'alice' });
  });
});

describe('number tokens', () => {
  it('fail the result whose score or fidelity is missing or not a number, naming the field, and never write 0', async () => {
    const report = await h.run(
      { name: 'numbers', steps: [{ id: 'risk', action: 'mitre.risk', mode: 'each', onError: 'continue', with: { category: 'user', score: '{{result.score}}', fidelity: '{{result.fidelity}}' } }] },
      [
        { user: 'no-score', fidelity: '0.5' },
        { user: 'words', score: 'ten', fidelity: '0.5' },
        { user: 'no-fidelity', score: '4' },
        { user: 'fine', score: ' 6 ', fidelity: '0.5' },
      ],
    );
    const error = report.steps.risk.error ?? '';
    expect(error).toContain('3 of 4 results failed; result 0: steps[0].with.score: the risk score rendered empty: the result has no value for it (a token naming a missing field?); give a number (rendered value: "")');
    expect(report.steps.risk.outputs?.map((o) => (o === null ? null : 'written'))).toEqual([null, null, null, 'written']);
    const docs = (await h.store.listDocuments('risk')).filter((d) => d.job === 'numbers');
    expect(docs.map((d) => [d.entity, d.score, d.fidelity, d.risk])).toEqual([['fine', 6, 0.5, 3]]);

    const assign = await h.run({ name: 'numbers-assign', steps: [{ id: 'a', action: 'risk.assign', onError: 'continue', with: { score: '{{result.score}}', scoringType: 's' } }] }, [{ score: 'NaN' }]);
    expect(assign.steps.a.error).toBe('steps[0].with.score: the risk score must be a number (rendered value: "NaN")');
    expect((await h.store.listDocuments('risk')).filter((d) => d.job === 'numbers-assign')).toEqual([]);
  });
});

describe('hostile values in the fields these options read', () => {
  it('fail the result as a drilldown bound or a score, writing nothing for it', async () => {
    const results = hostileValues.map(([key, value]) => ({ key, value }));
    const report = await h.run(
      {
        name: 'hostile-bounds',
        steps: [
          { id: 'incident', action: 'incident.create', mode: 'each', onError: 'continue', with: { title: '{{result.key}}', drilldown: { type: 'search', text: 'q', from: '{{result.value}}' } } },
          { id: 'risk', action: 'mitre.risk', mode: 'each', onError: 'continue', with: { category: 'user', score: '{{result.value}}' } },
        ],
      },
      results,
    );
    expect(report.steps.incident.error).toContain(`${results.length} of ${results.length} results failed; result 0: steps[0].with.drilldown.from: not a time`);
    expect(report.steps.risk.error).toContain(`${results.length} of ${results.length} results failed; result 0: steps[1].with.score: the risk score must be a number`);
    expect(await h.store.listIncidents({ job: 'hostile-bounds' })).toEqual([]);
    expect((await h.store.listDocuments('risk', { limit: 1000 })).filter((d) => d.job === 'hostile-bounds')).toEqual([]);
  });
});

describe('webhook.send GET with a body', () => {
  it('passes validation and sends the body with the GET, as Elasticsearch search requests do', async () => {
    const chain = { name: 'get-body', steps: [{ id: 'search', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, method: 'GET', path: '/logs-*/_search', body: { query: { term: { 'source.ip': '{{result.ip}}' } } } } }] };
    expect(problemsOf(chain)).toEqual([]);
    peer.received.length = 0;
    const report = await h.run(chain, [{ ip: '10.0.0.5' }]);
    expect(report.status).toBe('completed');
    expect(peer.received).toHaveLength(1);
    expect(peer.received[0]).toMatchObject({ method: 'GET', url: '/logs-*/_search', body: '{"query":{"term":{"source.ip":"10.0.0.5"}}}' });
    expect(peer.received[0].headers['content-type']).toBe('application/json');
  });
});

describe('job.run in once mode', () => {
  const results = [{ host: 'web-1' }, { host: 'web-2' }, { host: 'web-3' }];

  it('hands the job the first result with passResults, as the seed reads Run Once, and every result with allResults', async () => {
    await h.run({ name: 'once-first', steps: [{ id: 'child', action: 'job.run', with: { job: 'child-count', passResults: true, params: { tag: 'first' } } }] }, results);
    await h.run({ name: 'once-all', steps: [{ id: 'child', action: 'job.run', with: { job: 'child-count', passResults: true, allResults: true, params: { tag: 'all' } } }] }, results);
    const docs = await h.store.listDocuments('child-seen');
    expect(docs.find((d) => d.tag === 'first')).toMatchObject({ count: 1, handed: [{ host: 'web-1' }], first: 'web-1' });
    expect(docs.find((d) => d.tag === 'all')).toMatchObject({ count: 3, handed: results, first: 'web-1' });
    expect(problemsOf({ name: 'x', steps: [{ id: 'j', action: 'job.run', mode: 'each', with: { job: 'child-count', passResults: true, allResults: true } }] })).toEqual([
      { path: 'steps[0].with.allResults', message: 'in each mode the job gets the current result; allResults is for mode "once", where it hands the job every result instead of the first' },
    ]);
  });

  it('lists a Run Once reading for every action, quoting the seed where it has the switch', () => {
    for (const [name, spec] of Object.entries(CATALOGUE)) expect(spec.onceReading.reading, name).toMatch(/\w/);
    expect(CATALOGUE['job.run'].onceReading.seed).toBe('if enabled, this Action will be performed only for the first search result, otherwise - for each query result');
    expect(CATALOGUE['incident.create'].onceReading.seed).toBe('Run Once – creates a single incident even if the search returns multiple results');
    expect(CATALOGUE['email.send'].onceReading.seed).toContain('for all query results collectively');
  });
});

describe('a cancelled run', () => {
  it('ends with status cancelled, not failed', async () => {
    const slow = await startPeer(() => ({ status: 200, body: 'late', delayMs: 60_000 }));
    try {
      const chain = assertValidChain({ name: 'cancel-me', steps: [{ id: 'slow', action: 'webhook.send', timeout: '2m', with: { protocol: 'http', host: '127.0.0.1', port: slow.port } }, { id: 'after', action: 'events.log' }] });
      const handle = await startRun(h.client, { chain, results: [{ x: 1 }], taskQueue: h.taskQueue, store: h.store });
      // Cancel while the step waits for the peer's answer.
      while (slow.received.length === 0) await new Promise((r) => setTimeout(r, 50));
      await handle.cancel();
      const report = await readRun(handle, { wait: true, store: h.store });
      expect(report.status).toBe('cancelled');
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      await expect(handle.result()).rejects.toThrow();
      const history = await handle.fetchHistory();
      expect(JSON.stringify(history)).not.toContain('StepFailedError');
    } finally {
      await slow.close();
    }
  });
});
