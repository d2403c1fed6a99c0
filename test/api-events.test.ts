// The intake API's events on the real dev server: Insight jobs, sensor outages, the rule guard, and starts refused for a disabled rule.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ruleWorkflowId, sensorWorkflowId } from '../dsl';
import { readRun } from '../control/client';
import { createApi, listenApi } from '../api/api';
import { eventRunId, fireEvent } from '../control/events';
import { loadJobs } from '../config/jobs';
import { changeRule } from '../control/rule-guard';
import { scheduleId, syncSchedules } from '../control/schedules';
import { startHarness, startPeer, type Harness } from './helpers';
import { vendorFixture } from './insight-fixtures';
import { recordTestSecret } from './secrets-ledger';

const SIEM = 'siem-events-s3cr3t-token-0123456789abcdef';
const SOC = 'soc-status-s3cr3t-token-0123456789abcdef';
const suffix = crypto.randomUUID().slice(0, 8);
const rule = `MATCH-${suffix}`;

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let app: FastifyInstance;
let base: string;

function writeJob(name: string, chain: object) {
  fs.writeFileSync(path.join(h.config.jobsDir, `${name}.json`), JSON.stringify({ name, ...chain }, null, 2));
}

function hook(hookPath: string, body: Record<string, string>) {
  return { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: hookPath, body } };
}

const bodies = (hookPath: string) => peer.received.filter((r) => r.url === hookPath).map((r) => JSON.parse(r.body) as Record<string, string>);

async function call(method: string, url: string, token: string, body?: unknown) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function insight(id: string) {
  return { id, readableId: 'INSIGHT-77', name: 'Credential access', entity: { entityType: '_ip', value: '10.1.2.3', hostname: null }, severity: 'HIGH', status: { name: 'new', displayName: 'New' }, assignee: null, confidence: null, closed: null, created: '2026-11-23T03:00:00.000000' };
}

beforeAll(async () => {
  recordTestSecret('API events writer token', SIEM);
  recordTestSecret('API status reader token', SOC);
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
    config.sensors = { defaultWindow: '2s', windows: {} };
    config.ruleGuard = { hourLimit: 10, dayLimit: 100 };
    config.api.tokens = [
      { name: 'siem', token: SIEM, scopes: ['runs:write', 'events:write'] },
      { name: 'soc', token: SOC, scopes: ['sensors:read', 'rules:read'] },
    ];
  });
  h.config.temporal.taskQueue = h.taskQueue;
  fs.mkdirSync(h.config.jobsDir, { recursive: true });
  writeJob('notify-insight', { on: ['insight.created'], steps: [hook('/insight', { insight: '{{result.readableId}}', trigger: '{{trigger.type}}' })] });
  writeJob('open-incident', { on: ['insight.created'], steps: [{ id: 'incident', action: 'incident.create', with: { title: '{{result.name}} on {{result.entity.value}}' } }] });
  writeJob('guarded', { rule, on: ['insight.created'], steps: [hook('/guarded', { insight: '{{result.id}}' })] });
  writeJob('sensor-down', { on: ['sensor.offline'], steps: [hook('/sensor', { sensor: '{{result.id}}', offlineAt: '{{trigger.sensor.offlineAt}}' })] });
  writeJob('rule-off', { on: ['rule.disabled'], steps: [hook('/rule', { rule: '{{result.id}}', reason: '{{result.reason}}' })] });
  app = await createApi({ config: h.config, client: h.client, store: h.store });
  base = await listenApi(app, '127.0.0.1:0');
});

afterAll(async () => {
  // Watchers outlive the test's worker: stop them so no one queries a watcher nothing serves.
  for (const id of [sensorWorkflowId(`dmz-${suffix}`), ruleWorkflowId(rule), ruleWorkflowId(`SCHED-${suffix}`)]) {
    await h?.client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  }
  await app?.close();
  await h?.close();
  await peer?.close();
});

describe('intake API events', () => {
  it('starts the jobs of an Insight with the run ids of riposte fire, and the same Insight twice starts one run per job', async () => {
    const id = `ins-${suffix}`;
    const fired = await call('POST', '/v1/events/insight.created', SIEM, { insight: insight(id) });
    expect(fired.status).toBe(202);
    expect(fired.body.runs.map((r: { job: string; runId: string; started: boolean }) => [r.job, r.runId, r.started]).sort()).toEqual([
      ['guarded', eventRunId('insight.created', id, 'guarded'), true],
      ['notify-insight', eventRunId('insight.created', id, 'notify-insight'), true],
      ['open-incident', eventRunId('insight.created', id, 'open-incident'), true],
    ]);
    await Promise.all(fired.body.runs.map((r: { runId: string }) => readRun(h.client.workflow.getHandle(r.runId), { wait: true })));

    const again = await call('POST', '/v1/events/insight.created', SIEM, { insight: insight(id) });
    expect(again.body.runs.every((r: { started: boolean }) => !r.started)).toBe(true);
    // The command line (riposte fire) finds the very same runs.
    const cli = await fireEvent(h.client, h.config, { type: 'insight.created', insight: insight(id) });
    expect(cli.runs.map((r) => [r.runId, r.started]).sort()).toEqual(fired.body.runs.map((r: { runId: string }) => [r.runId, false]).sort());

    expect(bodies('/insight')).toEqual([{ insight: 'INSIGHT-77', trigger: 'insight.created' }]);
    expect(bodies('/guarded')).toEqual([{ insight: id }]);
    expect((await h.store.listIncidents({ job: 'open-incident' })).map((i) => i.title)).toEqual(['Credential access on 10.1.2.3']);
  });

  it('answers 409 and starts nothing for an on-demand request naming a job that does not subscribe to insight.on_demand', async () => {
    const id = `ins-${suffix}-demand`;
    const answer = await call('POST', '/v1/events/insight.on_demand', SIEM, { insight: insight(id), job: 'notify-insight', triggerId: `demand-${suffix}` });
    expect(answer).toEqual({ status: 409, body: { error: 'job "notify-insight" does not subscribe to insight.on_demand (its "on": insight.created), so nothing was started; add "insight.on_demand" to its "on" to offer it on demand' } });
    await expect(h.client.workflow.getHandle(eventRunId('insight.on_demand', `demand-${suffix}`, 'notify-insight')).describe()).rejects.toThrow(/not found/i);
  });

  it('takes the Insight as Cloud SIEM posts it, bare or in the API envelope, as the body itself, and fires it once', async () => {
    const published = vendorFixture<{ id: string }>('sumologic/insight-payload-example.json');
    const bare = await call('POST', '/v1/events/insight.created', SIEM, published);
    expect(bare.status).toBe(202);
    expect(bare.body.eventId).toBe(published.id);
    expect(bare.body.runs.map((r: { job: string; started: boolean }) => [r.job, r.started]).sort()).toEqual([['guarded', true], ['notify-insight', true], ['open-incident', true]]);
    await Promise.all(bare.body.runs.map((r: { runId: string }) => readRun(h.client.workflow.getHandle(r.runId), { wait: true })));
    const enveloped = await call('POST', '/v1/events/insight.created', SIEM, { data: published, errors: [] });
    expect(enveloped.body.runs.every((r: { started: boolean }) => !r.started)).toBe(true);
    expect(bodies('/insight')).toContainEqual({ insight: 'INSIGHT-637', trigger: 'insight.created' });

    const wrapped = await call('POST', '/v1/events/insight.created', SIEM, { insight: { data: { ...published, severity: 'SEVERE' }, errors: [] } });
    expect(wrapped).toEqual({ status: 400, body: { problems: [{ path: 'insight.data.severity', message: 'use one of LOW, MEDIUM, HIGH, CRITICAL' }] } });
  });

  it('watches a sensor from its API heartbeat and fires sensor.offline once when it falls silent past its window', async () => {
    const sensor = `dmz-${suffix}`;
    const beat = await call('POST', '/v1/events/sensor.heartbeat', SIEM, { sensorId: sensor, name: 'dmz sensor' });
    expect([beat.status, beat.body]).toEqual([202, { sensorId: sensor, windowMs: 2_000 }]);

    const down = await vi.waitFor(
      async () => {
        const s = await call('GET', `/v1/sensors/${sensor}`, SOC);
        if (s.body.outages?.[0]?.runs.length !== 1) throw new Error('not offline yet');
        return s.body;
      },
      { timeout: 20_000, interval: 250 },
    );
    expect(down).toMatchObject({ id: sensor, name: 'dmz sensor', status: 'offline', windowMs: 2_000, heartbeats: 1 });
    await readRun(h.client.workflow.getHandle(down.outages[0].runs[0]), { wait: true });
    // Another window of silence: the outage has fired already, nothing fires again.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(bodies('/sensor')).toEqual([{ sensor, offlineAt: down.outages[0].offlineAt }]);
    expect((await call('GET', `/v1/sensors/${sensor}`, SOC)).body.outages).toHaveLength(1);

    const listed = await vi.waitFor(
      async () => {
        const all = await call('GET', '/v1/sensors', SOC);
        const mine = all.body.find((s: { id: string }) => s.id === sensor);
        if (!mine) throw new Error('not listed yet');
        return mine;
      },
      { timeout: 20_000, interval: 250 },
    );
    expect(listed).toMatchObject({ id: sensor, status: 'offline' });
    expect((await call('GET', '/v1/sensors/never-heard-of', SOC)).status).toBe(404);
  });

  it('disables a rule whose API signal counts pass the limit, fires rule.disabled, and refuses to start its jobs with 409', async () => {
    const below = await call('POST', '/v1/events/rule.signals', SIEM, { ruleId: rule, name: 'Credential access', count: 6 });
    expect([below.status, below.body]).toEqual([202, { ruleId: rule, count: 6 }]);
    expect((await call('POST', '/v1/events/rule.signals', SIEM, { ruleId: rule, count: 5 })).status).toBe(202);

    const fired = await vi.waitFor(
      () => {
        if (bodies('/rule').length === 0) throw new Error('rule.disabled not fired yet');
        return bodies('/rule');
      },
      { timeout: 20_000, interval: 250 },
    );
    const reason = 'produced 11 signals in one hour, more than the limit of 10';
    expect(fired).toEqual([{ rule, reason }]);
    const state = await call('GET', `/v1/rules/${rule}`, SOC);
    expect(state.body).toMatchObject({ id: rule, name: 'Credential access', enabled: false, disabledBy: 'guard', reason, autoDisables: 1, limits: { hour: 10, day: 100 } });

    const refused = await call('POST', '/v1/jobs/guarded/runs', SIEM, { results: [{ src_ip: '10.1.2.3' }] });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe(`job "guarded" is not started: rule "${rule}" is disabled (${reason}); enable it with \`riposte rule enable ${rule}\``);
    const inline = await call('POST', '/v1/runs', SIEM, { chain: { name: 'adhoc', rule, steps: [{ id: 'log', action: 'events.log' }] } });
    expect(inline.status).toBe(409);
    const skipped = await call('POST', '/v1/events/insight.created', SIEM, { insight: insight(`ins-${suffix}-2`) });
    expect(skipped.body.skipped).toEqual([{ job: 'guarded', reason: `rule "${rule}" is disabled (${reason})` }]);

    expect((await call('GET', '/v1/rules/never-reported', SOC)).body).toMatchObject({ id: 'never-reported', enabled: true, signals: { hour: 0, day: 0 } });
    expect((await call('GET', `/v1/rules/${rule}`, SIEM)).status).toBe(403);
  });

  it('skips the scheduled run of a job whose rule is disabled, and runs it again once the rule is enabled', async () => {
    const scheduledRule = `SCHED-${suffix}`;
    const job = `nightly-${suffix}`;
    writeJob(job, { rule: scheduledRule, schedule: { every: '1h' }, steps: [hook('/scheduled', { job: '{{job.name}}' })] });
    const ruleIs = (enabled: boolean) =>
      vi.waitFor(
        async () => {
          if ((await call('GET', `/v1/rules/${scheduledRule}`, SOC)).body.enabled !== enabled) throw new Error('not changed yet');
        },
        { timeout: 20_000, interval: 250 },
      );
    await changeRule(h.client, h.config, scheduledRule, 'disable');
    await ruleIs(false);
    await syncSchedules(h.client, h.config, loadJobs(h.config));
    const schedule = h.client.schedule.getHandle(scheduleId(job));
    try {
      const runOf = async (n: number) => {
        await schedule.trigger();
        const action = await vi.waitFor(
          async () => {
            const actions = (await schedule.describe()).info.recentActions;
            if (actions.length < n) throw new Error('not started yet');
            return actions[n - 1];
          },
          { timeout: 20_000, interval: 250 },
        );
        return readRun(h.client.workflow.getHandle(action.action.workflow.workflowId), { wait: true });
      };
      const skipped = await runOf(1);
      expect(skipped).toMatchObject({ status: 'completed', skipped: `rule "${scheduledRule}" is disabled (disabled by hand)`, steps: {} });
      expect(bodies('/scheduled')).toEqual([]);

      await changeRule(h.client, h.config, scheduledRule, 'enable');
      await ruleIs(true);
      const ran = await runOf(2);
      expect(ran).toMatchObject({ status: 'completed', steps: { hook: { status: 'completed' } } });
      expect(ran.skipped).toBeUndefined();
      expect(bodies('/scheduled')).toEqual([{ job }]);
    } finally {
      await schedule.delete();
    }
  });
});
