// Replays recorded histories against today's workflow code: a change that breaks determinism fails here.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startHarness, startPeer, type Harness } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'ssh-bruteforce.history.json');
let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;

beforeAll(async () => {
  // The peer refuses /refused, so a step with `onError: continue` fails and the run goes on.
  peer = await startPeer((req) => (req.url.startsWith('/refused') ? { status: 400, body: { error: 'no' } } : { status: 200, body: { ok: true } }));
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

function exampleChain(port: number) {
  const chain = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'ssh-bruteforce.json'), 'utf8'));
  chain.params.hookPort = port;
  return chain;
}

const replay = (history: ReturnType<typeof historyFromJSON>, workflowId?: string) => Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);

/**
 * Chains whose histories were recorded on the engine that rendered templates inside the workflow:
 * steps run once and per result, a `when` that holds and one that does not, a throttle, outputs
 * handed to later steps' tokens, a failed step the run goes past, a strict chain's missing token,
 * and a fan-out through child workflows.
 */
const recorded = {
  templates: (port: number) => ({
    name: 'replay-templates',
    params: { hookPort: port },
    steps: [
      { id: 'open', action: 'incident.create', with: { title: 'first from {{result.src_ip}}', severity: 'high' } },
      { id: 'vip', action: 'incident.create', mode: 'each', when: '{{eq result.user "alice"}}', with: { title: 'VIP {{result.user}} on {{result.host}}' } },
      { id: 'never', action: 'events.log', when: '{{gt results.length 5}}', with: { message: 'not written' } },
      { id: 'log', action: 'events.log', when: '{{#if steps.open.incident_id}}yes{{/if}}', with: { message: 'incident {{steps.open.incident_id}} for {{results.length}} results' } },
      { id: 'tag', action: 'mitre.tag', mode: 'each', throttle: { key: '{{result.src_ip}}', window: '30m' }, with: { techniques: ['T1110'], severity: 'high' } },
      {
        id: 'hook',
        action: 'webhook.send',
        onError: 'continue',
        retry: { maxAttempts: 1 },
        with: { protocol: 'http', host: '127.0.0.1', port: '{{params.hookPort}}', method: 'POST', path: '/refused', body: { vip: '{{json steps.vip.outputs}}', first: '{{steps.open.incident_id}}' } },
      },
      { id: 'after', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: '{{params.hookPort}}', method: 'POST', path: '/ok/{{steps.open.incident_id}}', body: { tagged: '{{json steps.tag.outputs}}' } } },
    ],
  }),
  strict: () => ({
    name: 'replay-strict',
    strict: true,
    steps: [
      { id: 'missing', action: 'incident.create', mode: 'each', onError: 'continue', with: { title: 'from {{result.nope}}' } },
      { id: 'first', action: 'incident.create', onError: 'continue', with: { title: 'user {{result.nope}}' } },
      { id: 'after', action: 'events.log', with: { message: '{{results.length}} results, {{result.user}} first' } },
    ],
  }),
  fanout: () => ({
    name: 'replay-fanout',
    steps: [
      { id: 'incident', action: 'incident.create', mode: 'each', when: '{{ne result.skip "yes"}}', with: { title: 'host {{result.host}}' } },
      { id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1078'] } },
      { id: 'log', action: 'events.log', with: { message: '{{results.length}} hosts, first {{steps.incident.incident_id}}' } },
    ],
  }),
};

const rows = {
  templates: [
    { src_ip: '10.0.0.1', user: 'alice', host: 'db1' },
    { src_ip: '10.0.0.2', user: 'bob', host: 'db2' },
    { src_ip: '10.0.0.1', user: 'alice', host: 'db3' },
  ],
  strict: [
    { user: 'alice', src_ip: '10.0.0.1' },
    { user: 'bob', src_ip: '10.0.0.2' },
  ],
  fanout: Array.from({ length: 210 }, (_, i) => ({ host: `h-${i}`, skip: i % 7 === 0 ? 'yes' : 'no' })),
};

/**
 * The engines the fixtures were recorded on, oldest first: templates rendered in the workflow
 * (fe8f74e); in each step's activity with every action a scheduled activity (b229185); store writes
 * as local activities under their patch (ea7c46d); and that same worker running starts that carry
 * RunInput.engine, which it did not read (a rolling upgrade that reached the clients first).
 * RIPOSTE_RECORD_FIXTURES=<era> records that era from today's engine (a new era gets a new name).
 */
const ERAS = ['', 'in-activity.', 'store-local.', 'store-local-engine.'] as const;
type Era = (typeof ERAS)[number] | `${string}.`;
const fixture = (name: string, era: Era) => path.join(__dirname, 'fixtures', `replay-${name}.${era}history.json`);

/** A recorded fixture: the workflow id (fan-out children's ids derive from it) and the history. */
interface Recorded {
  workflowId: string;
  history: unknown;
}

/** The histories a recording of `name` keeps: the run's, and for a fan-out its first child's. */
const recordedFiles = (name: string, era: Era) => (name === 'fanout' ? [fixture(name, era), fixture(`${name}-child`, era)] : [fixture(name, era)]);

describe('replay', () => {
  it('replays the recorded history of the example chain', async () => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
    await expect(replay(history)).resolves.toBeUndefined();
  });

  it('replays a history of the example chain recorded now', async () => {
    const results = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'ssh-bruteforce.results.json'), 'utf8'));
    const workflowId = `replay-${Date.now()}`;
    const report = await h.run(exampleChain(peer.port), results, { workflowId });
    expect(report.status).toBe('completed');
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    if (process.env.RIPOSTE_RECORD_HISTORY) fs.writeFileSync(FIXTURE, JSON.stringify(JSON.parse(historyToJSON(history)), null, 1));
    await expect(replay(history)).resolves.toBeUndefined();
  });

  for (const name of Object.keys(recorded) as (keyof typeof recorded)[]) {
    it(`replays the recorded histories of chain "${recorded[name](0).name}"`, async () => {
      for (const file of ERAS.flatMap((era) => recordedFiles(name, era))) {
        const recording = JSON.parse(fs.readFileSync(file, 'utf8')) as Recorded;
        await expect(replay(historyFromJSON(recording.history), recording.workflowId), file).resolves.toBeUndefined();
      }
    });

    it(`replays a history of chain "${recorded[name](0).name}" recorded now`, async () => {
      const workflowId = `replay-${name}-${Date.now()}`;
      const report = await h.run(recorded[name](peer.port), rows[name], { workflowId });
      expect(report.status).toBe('completed');
      const ids = name === 'fanout' ? [workflowId, `${workflowId}/incident/0`] : [workflowId];
      const histories = await Promise.all(ids.map((id) => h.client.workflow.getHandle(id).fetchHistory()));
      // RIPOSTE_RECORD_FIXTURES=<era> keeps these as that era's fixtures (the example chain's has its own variable).
      const era = process.env.RIPOSTE_RECORD_FIXTURES;
      if (era) {
        histories.forEach((history, i) => fs.writeFileSync(recordedFiles(name, `${era.replace(/\.$/, '')}.`)[i], JSON.stringify({ workflowId: ids[i], history: JSON.parse(historyToJSON(history)) } satisfies Recorded)));
      }
      for (const [i, history] of histories.entries()) await expect(replay(history, ids[i])).resolves.toBeUndefined();
    });
  }
});
