// The engine's store activities (response limiter, kept results and step outputs) in MockActivityEnvironment on a SQLite store, and what they do when the store is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectors, type Connectors } from './connectors';

let c: Connectors;
let lost: Connectors;

beforeAll(async () => {
  c = await startConnectors();
  lost = await startConnectors();
  await lost.store.close();
});
afterAll(async () => {
  await c?.close();
  await lost?.close();
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
