// Watchers on the real dev server whose event firing fails at first: the failure shows, a later try fires the job once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ruleWorkflowId, sensorWorkflowId } from '../dsl';
import { readRun } from '../control/client';
import { eventRunId } from '../control/events';
import { ruleStatus } from '../control/rule-guard';
import { sensorStatus } from '../control/sensors';
import { startHarness, startPeer, type Harness } from './helpers';

const suffix = crypto.randomUUID().slice(0, 8);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-retry-'));

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;

function hook(stepPath: string, body: Record<string, string>) {
  return { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: stepPath, body } };
}

/** Points the worker at a jobs "directory" that is a plain file, so loading the jobs fails. */
function breakJobsDir(name: string): string {
  const dir = path.join(root, name);
  fs.writeFileSync(dir, 'not a directory');
  h.config.jobsDir = dir;
  return dir;
}

/** Replaces the file with a real jobs directory holding one job. */
function repairJobsDir(dir: string, job: { name: string } & Record<string, unknown>): void {
  fs.rmSync(dir);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, `${job.name}.json`), JSON.stringify(job));
}

const bodies = (p: string) => peer.received.filter((r) => r.url === p).map((r) => JSON.parse(r.body) as Record<string, unknown>);

beforeAll(async () => {
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

describe('a failed event firing', () => {
  it('keeps the rule guard\'s failure visible and fires rule.disabled once when a later try succeeds', async () => {
    const rule = `R-retry-${suffix}`;
    const dir = breakJobsDir('rule-jobs');
    const limits = { hour: 2, day: 10 };
    const state = { id: rule, name: rule, enabled: true, prototype: false, signals: { hour: 0, day: 0 }, limits, autoDisables: 0 };
    await h.client.workflow.signalWithStart('guardRule', {
      workflowId: ruleWorkflowId(rule),
      taskQueue: h.taskQueue,
      args: [{ state, buckets: [] }, { fireRetryMs: 500 }],
      signal: 'reportSignals',
      signalArgs: [{ count: 5, at: new Date().toISOString(), limits }],
    });
    const failed = await vi.waitFor(
      async () => {
        const s = await ruleStatus(h.client, h.config, rule);
        if (!s.fireError) throw new Error('no failure recorded yet');
        return s;
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(failed).toMatchObject({ enabled: false, disabledBy: 'guard' });
    expect(failed.fireError).toMatch(/^firing rule\.disabled: .*ENOTDIR/);

    repairJobsDir(dir, { name: 'rule-off', on: ['rule.disabled'], steps: [hook('/rule', { rule: '{{result.id}}' })] });
    const runId = eventRunId('rule.disabled', `${rule}@${failed.disabledAt}`, 'rule-off');
    const outcome = await vi.waitFor(() => readRun(h.client.workflow.getHandle(runId), { wait: true }), { timeout: 60_000, interval: 250 });
    expect(outcome.status).toBe('completed');
    expect(bodies('/rule')).toEqual([{ rule }]);
    expect((await ruleStatus(h.client, h.config, rule)).fireError).toBeUndefined();
  });

  it('keeps the sensor outage\'s failure visible and fires sensor.offline once when a later try succeeds', async () => {
    const sensor = `S-retry-${suffix}`;
    const dir = breakJobsDir('sensor-jobs');
    const initial = { id: sensor, status: 'online', windowMs: 1_000, heartbeats: 0, outages: [] };
    await h.client.workflow.signalWithStart('watchSensor', {
      workflowId: sensorWorkflowId(sensor),
      taskQueue: h.taskQueue,
      args: [initial, { fireRetryMs: 500 }],
      signal: 'heartbeat',
      signalArgs: [{ at: new Date().toISOString(), windowMs: 1_000 }],
    });
    const failed = await vi.waitFor(
      async () => {
        const outage = (await sensorStatus(h.client, sensor))?.outages[0];
        if (!outage?.error) throw new Error('no failure recorded yet');
        return outage;
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(failed.error).toMatch(/^firing sensor\.offline: .*ENOTDIR/);
    expect(failed.runs).toEqual([]);

    repairJobsDir(dir, { name: 'sensor-down', on: ['sensor.offline'], steps: [hook('/sensor', { sensor: '{{result.id}}' })] });
    const runId = eventRunId('sensor.offline', `${sensor}@${failed.offlineAt}`, 'sensor-down');
    const outcome = await vi.waitFor(() => readRun(h.client.workflow.getHandle(runId), { wait: true }), { timeout: 60_000, interval: 250 });
    expect(outcome.status).toBe('completed');
    expect(bodies('/sensor')).toEqual([{ sensor }]);
    const outage = await vi.waitFor(
      async () => {
        const o = (await sensorStatus(h.client, sensor))?.outages[0];
        if (!o?.runs.length) throw new Error('runs not recorded yet');
        return o;
      },
      { timeout: 10_000, interval: 250 },
    );
    expect(outage).toEqual({ offlineAt: failed.offlineAt, runs: [runId] });
  });
});
