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
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
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

describe('replay', () => {
  it('replays the recorded history of the example chain', async () => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history)).resolves.toBeUndefined();
  });

  it('replays a history of the example chain recorded now', async () => {
    const results = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'ssh-bruteforce.results.json'), 'utf8'));
    const workflowId = `replay-${Date.now()}`;
    const report = await h.run(exampleChain(peer.port), results, { workflowId });
    expect(report.status).toBe('completed');
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    if (process.env.RIPOSTE_RECORD_HISTORY) fs.writeFileSync(FIXTURE, JSON.stringify(JSON.parse(historyToJSON(history)), null, 1));
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history)).resolves.toBeUndefined();
  });
});
