// incident.create, mitre.tag, mitre.risk, risk.assign, events.index, events.log and the engine's store activities in MockActivityEnvironment on a SQLite store: what each writes, what it outputs, and a lost store.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityActionName, ResultRow } from '../../dsl';
import { preparedRequest } from '../prepared-request';
import { startConnectors, startWithLostStore, type Connectors } from './connectors';

let c: Connectors;
/** A worker whose store is gone: every store write fails. */
let lost: Connectors;

beforeAll(async () => {
  c = await startConnectors();
  lost = await startWithLostStore();
});
afterAll(async () => {
  await c?.close();
  await lost?.close();
});

const RESULTS: ResultRow[] = [
  { host: 'web-1', user: 'alice', src_ip: '203.0.113.7' },
  { host: 'web-2', user: 'bob', src_ip: '203.0.113.8' },
];

/** The request of a one-step chain for result `index` (null: once mode). */
function step<A extends ActivityActionName>(action: A, withParams: Record<string, unknown>, index: number | null = 0, extra: Record<string, unknown> = {}) {
  return preparedRequest<A>({ name: 'store-job', steps: [{ id: 'write', action, ...(index === null ? {} : { mode: 'each' }), with: withParams, ...extra }] }, RESULTS, index);
}

describe('incident.create', () => {
  it('creates one incident per execution with the result\'s fields, and returns the same incident when retried', async () => {
    const request = step('incident.create', { title: 'Brute force on {{result.host}}', severity: 'high', resultFields: ['host', 'src_ip'], fields: { team: 'soc' } });
    const first = await c.run(request);
    expect(first).toMatchObject({ created: true, index: 'incidents' });
    const [incident] = await c.store.listIncidents({ job: 'store-job' });
    expect(incident).toMatchObject({ incident_id: first.incident_id, title: 'Brute force on web-1', severity: 'high', status: 'open', run_id: request.run.id, step_id: 'write', result_fields: { host: 'web-1', src_ip: '203.0.113.7' }, fields: { team: 'soc' }, result_index: 0 });
    await expect(c.run(request, { attempt: 2 })).resolves.toEqual({ ...first, created: false });
    expect(await c.store.listIncidents({ job: 'store-job' })).toHaveLength(1);
  });
});

describe('mitre.tag, mitre.risk and risk.assign', () => {
  it('mitre.tag writes one document per technique carrying the inherited incident', async () => {
    const request = { ...step('mitre.tag', { techniques: ['T1110.001', 'T1078'], rule: 'ssh-bruteforce' }), incidentId: 'inc-7' };
    const output = await c.run(request);
    expect(output).toMatchObject({ index: 'mitre', incident_id: 'inc-7' });
    expect(output.ids).toHaveLength(2);
    const docs = await c.store.listDocuments('mitre');
    expect(docs.map((d) => [d.technique, d.parent_technique, d.incident_id, d.rule, (d.event as ResultRow).host])).toEqual(expect.arrayContaining([
      ['T1110.001', 'T1110', 'inc-7', 'ssh-bruteforce', 'web-1'],
      ['T1078', 'T1078', 'inc-7', 'ssh-bruteforce', 'web-1'],
    ]));
  });

  it('mitre.risk scores score × fidelity against the result\'s system and user', async () => {
    const output = await c.run(step('mitre.risk', { category: 'both', score: '40', fidelity: 0.5 }, 1));
    expect(output).toMatchObject({ index: 'risk' });
    const docs = (await c.store.listDocuments('risk')).filter((d) => output.ids.includes(d.id));
    expect(docs.map((d) => [d.category, d.entity, d.risk])).toEqual(expect.arrayContaining([
      ['system', 'web-2', 20],
      ['user', 'bob', 20],
    ]));
  });

  it('risk.assign writes one document in the chosen index, the same one when retried', async () => {
    const request = step('risk.assign', { score: 75, index: 'risk-hosts', scoringType: 'brute-force', fields: { host: '{{result.host}}' } });
    const output = await c.run(request);
    await expect(c.run(request, { attempt: 2 })).resolves.toEqual(output);
    const docs = await c.store.listDocuments('risk-hosts');
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ id: output.ids[0], score: 75, scoring_type: 'brute-force', host: 'web-1', run_id: request.run.id });
  });
});

describe('events.index', () => {
  it('adds the result as a document, or merges fields into the document documentId names', async () => {
    const added = await c.run(step('events.index', { index: 'alerts' }));
    expect(await c.store.getDocument('alerts', added.ids[0])).toMatchObject({ host: 'web-1', user: 'alice', job: 'store-job', step_id: 'write' });
    await c.run(step('events.index', { index: 'hosts', update: true, documentId: '{{result.host}}', document: { seen: 1 } }));
    await c.run(step('events.index', { index: 'hosts', update: true, documentId: '{{result.host}}', document: { blocked: true } }));
    expect(await c.store.getDocument('hosts', 'web-1')).toMatchObject({ seen: 1, blocked: true });
  });
});

describe('events.log', () => {
  it('appends one JSON line per result to job_scheduler.log in the data directory', async () => {
    const request = step('events.log', { message: 'seen {{results.length}}' }, null);
    const file = path.join(c.config.dataDir, 'job_scheduler.log');
    await expect(c.run(request)).resolves.toEqual({ file, lines: 2 });
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', job: 'store-job', run_id: request.run.id, step_id: 'write', result_index: 0, message: 'seen 2', result: RESULTS[0] }),
      expect.objectContaining({ result_index: 1, result: RESULTS[1] }),
    ]);
  });

  it('fails, retried, when the data directory cannot be written', async () => {
    const dataDir = c.config.dataDir;
    fs.writeFileSync(path.join(dataDir, 'not-a-dir'), '');
    c.config.dataDir = path.join(dataDir, 'not-a-dir');
    try {
      await expect(c.run(step('events.log', {}, null))).rejects.toMatchObject({ type: 'StoreUnavailableError', nonRetryable: false, message: expect.stringContaining('step "write" (events.log): cannot append to') });
    } finally {
      c.config.dataDir = dataDir;
    }
  });
});

describe('a lost store', () => {
  it('fails every store write as a retried StoreUnavailableError naming the step', async () => {
    const writes = [
      step('incident.create', { title: 't' }),
      step('mitre.tag', { techniques: ['T1078'] }),
      step('mitre.risk', { category: 'user', score: 1 }),
      step('risk.assign', { score: 1, scoringType: 's' }),
      step('events.index', { index: 'alerts' }),
    ];
    for (const request of writes) {
      await expect(lost.run(request), request.action).rejects.toMatchObject({ type: 'StoreUnavailableError', nonRetryable: false, message: expect.stringContaining(`step "write" (${request.action}): store unavailable`) });
    }
  });
});

describe('the engine\'s store activities', () => {
  it('acquireThrottle grants a key to one holder for the window, to the same holder again, and to no other meanwhile', async () => {
    const first = await c.inActivity(c.activities.acquireThrottle, { key: 'job/step/10.0.0.5', holder: 'run-1/step/0', windowMs: 60_000 });
    expect(first.acquired).toBe(true);
    expect(Date.parse(first.until) - Date.now()).toBeGreaterThan(50_000);
    await expect(c.inActivity(c.activities.acquireThrottle, { key: 'job/step/10.0.0.5', holder: 'run-1/step/0', windowMs: 60_000 })).resolves.toMatchObject({ acquired: true });
    await expect(c.inActivity(c.activities.acquireThrottle, { key: 'job/step/10.0.0.5', holder: 'run-2/step/0', windowMs: 60_000 })).resolves.toEqual({ acquired: false, until: first.until });
  });

  it('saveStepOutputs and loadStepOutputs keep a fan-out\'s outputs in result order; loadResults pages a kept result set', async () => {
    await c.inActivity(c.activities.saveStepOutputs, { runId: 'run-3', stepId: 'each', offset: 2, outputs: [{ n: 2 }, { n: 3 }] });
    await c.inActivity(c.activities.saveStepOutputs, { runId: 'run-3', stepId: 'each', offset: 0, outputs: [{ n: 0 }, { n: 1 }] });
    await expect(c.inActivity(c.activities.loadStepOutputs, { runId: 'run-3', stepId: 'each', offset: 1, limit: 2 })).resolves.toEqual([{ n: 1 }, { n: 2 }]);
    await c.store.saveResultSet('run-3/results', [{ host: 'a' }, { host: 'b' }, { host: 'c' }]);
    await expect(c.inActivity(c.activities.loadResults, { ref: { id: 'run-3/results', count: 3 }, offset: 1, limit: 5 })).resolves.toEqual([{ host: 'b' }, { host: 'c' }]);
  });

  it('fails each as a retried StoreUnavailableError when the store is gone', async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ['response limiter', () => lost.inActivity(lost.activities.acquireThrottle, { key: 'k', holder: 'h', windowMs: 1 })],
      ['output keeper', () => lost.inActivity(lost.activities.saveStepOutputs, { runId: 'r', stepId: 's', offset: 0, outputs: [{}] })],
      ['output reader', () => lost.inActivity(lost.activities.loadStepOutputs, { runId: 'r', stepId: 's', offset: 0, limit: 1 })],
      ['result loader', () => lost.inActivity(lost.activities.loadResults, { ref: { id: 'r', count: 1 }, offset: 0, limit: 1 })],
    ];
    for (const [origin, call] of calls) {
      await expect(call(), origin).rejects.toMatchObject({ type: 'StoreUnavailableError', nonRetryable: false, message: expect.stringContaining(`${origin}: store unavailable`) });
    }
  });
});
