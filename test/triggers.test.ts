// Event triggers on the real dev server: Insight events, sensor outages and the rule guard.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ruleWorkflowId, sensorWorkflowId, validateChain, type FireReport } from '../dsl';
import { readRun } from '../control/client';
import { eventRunId, fireEvent, parseEvent } from '../control/events';
import { loadJobs } from '../config/jobs';
import { changeRule, disabledRuleOf, reportRuleSignals, ruleStatus } from '../control/rule-guard';
import { listSensors, recordHeartbeat, sensorStatus } from '../control/sensors';
import { startHarness, startPeer, type Harness, type Received } from './helpers';
import { CLOUD_SIEM_URL } from './insight-fixtures';

const created = (id: string) => ({ insight: 'INSIGHT-1042', entity: '10.0.0.5', trigger: 'insight.created', link: `${CLOUD_SIEM_URL}/sec/insight/${id}`, status: 'New', tactic: 'Initial Access (TA0001)', created: '2026-11-23T02:00:00.123Z' });

const suffix = crypto.randomUUID().slice(0, 8);
const guardedRule = `R-guarded-${suffix}`;
const jobsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-jobs-'));

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;

const at = (p: string) => (r: Received) => r.url === p;
const bodies = (p: string) => peer.received.filter(at(p)).map((r) => JSON.parse(r.body) as Record<string, unknown>);

function job(name: string, chain: object): void {
  fs.writeFileSync(path.join(jobsDir, `${name}.json`), JSON.stringify({ name, ...chain }, null, 2));
}

function hook(stepPath: string, body: Record<string, string>) {
  return { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: stepPath, body } };
}

/** An Insight shaped like Cloud SIEM's (see test/fixtures/vendor/sumologic/), nulls included. */
function insight(id: string): Record<string, unknown> {
  return {
    id,
    readableId: 'INSIGHT-1042',
    name: 'Initial Access with Valid Accounts',
    entity: { id: '_ip-10.0.0.5', name: '10.0.0.5', value: '10.0.0.5', hostname: null, entityType: '_ip', macAddress: null, sensorZone: '' },
    severity: 'HIGH',
    status: { name: 'new', displayName: 'New' },
    assignee: null,
    confidence: null,
    closed: null,
    created: '2026-11-23T02:00:00.123456',
    signals: [{ id: 'sig-1', name: 'Login from a new country', stage: 'Initial Access', tags: ['_mitreAttackTactic:TA0001', '_mitreAttackTechnique:T1078'], severity: 5, recordCount: 0 }],
  };
}

beforeAll(async () => {
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  job('notify-created', {
    on: ['insight.created'],
    steps: [hook('/created', { insight: '{{result.readableId}}', entity: '{{result.entity.value}}', trigger: '{{trigger.type}}', link: '{{trigger.insightView.link}}', status: '{{trigger.insight.status.displayName}}', tactic: '{{trigger.insightView.tactics.[0].label}}', created: '{{trigger.insightView.created}}' })],
  });
  job('open-incident', { on: ['insight.created', 'insight.on_demand'], steps: [{ id: 'incident', action: 'incident.create', with: { title: '{{result.name}} on {{result.entity.value}}' } }] });
  job('switched-off', { active: false, on: ['insight.created'], steps: [hook('/switched-off', { insight: '{{result.id}}' })] });
  job('on-close', { on: ['insight.closed'], steps: [hook('/closed', { insight: '{{result.id}}' })] });
  job('sensor-down', { on: ['sensor.offline'], steps: [hook('/sensor', { sensor: '{{result.id}}', offlineAt: '{{trigger.sensor.offlineAt}}' })] });
  job('rule-off', { on: ['rule.disabled'], steps: [hook('/rule', { rule: '{{result.id}}', name: '{{result.name}}', reason: '{{result.reason}}' })] });
  job('guarded', { rule: guardedRule, on: ['insight.created'], steps: [hook('/guarded', { insight: '{{result.id}}' })] });
  h = await startHarness((config) => {
    config.jobsDir = jobsDir;
    config.sensors = { defaultWindow: '2s', windows: { [`steady-${suffix}`]: '3s', [`long-${suffix}`]: '1h' } };
    config.ruleGuard = { hourLimit: 10, dayLimit: 25 };
    config.cloudSiem.url = CLOUD_SIEM_URL;
  });
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

async function settle(report: FireReport) {
  return Promise.all(report.runs.map((r) => readRun(h.client.workflow.getHandle(r.runId), { wait: true })));
}

async function activitiesScheduled(workflowId: string): Promise<string[]> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name!);
}

describe('Insight events', () => {
  it('starts every active subscribed job once, with the Insight as the result, and firing again starts nothing new', async () => {
    const id = `ins-${suffix}-created`;
    const first = await fireEvent(h.client, h.config, { type: 'insight.created', insight: insight(id) }, { taskQueue: h.taskQueue });
    expect(first.runs.map((r) => r.job).sort()).toEqual(['guarded', 'notify-created', 'open-incident']);
    expect(first.runs.every((r) => r.started)).toBe(true);
    expect(first.skipped).toEqual([{ job: 'switched-off', reason: 'inactive ("active": false)' }]);
    const outcomes = await settle(first);
    expect(outcomes.map((o) => o.status)).toEqual(['completed', 'completed', 'completed']);

    const second = await fireEvent(h.client, h.config, { type: 'insight.created', insight: insight(id) }, { taskQueue: h.taskQueue });
    expect(second.runs.map((r) => r.runId).sort()).toEqual(first.runs.map((r) => r.runId).sort());
    expect(second.runs.every((r) => !r.started)).toBe(true);
    await settle(second);

    // Templates see the vendor's fields at trigger.insight and riposte's view (link, tactics, UTC times) at trigger.insightView.
    expect(bodies('/created')).toEqual([created(id)]);
    expect(peer.received.filter(at('/switched-off'))).toHaveLength(0);
    expect(peer.received.filter(at('/closed'))).toHaveLength(0);
    const incidents = await h.store.listIncidents();
    expect(incidents.map((i) => i.title)).toEqual(['Initial Access with Valid Accounts on 10.0.0.5']);
  });

  it('starts only the jobs on insight.closed when an Insight is closed', async () => {
    const id = `ins-${suffix}-closed`;
    const report = await fireEvent(h.client, h.config, { type: 'insight.closed', insight: { ...insight(id), status: { name: 'closed', displayName: 'Closed' }, closed: '2026-11-23T03:00:00.000000' } }, { taskQueue: h.taskQueue });
    expect(report.runs.map((r) => r.job)).toEqual(['on-close']);
    await settle(report);
    expect(bodies('/closed')).toEqual([{ insight: id }]);
  });

  it('refuses a malformed Insight, naming the field', async () => {
    const noSeverity = insight(`ins-${suffix}-bad`);
    delete noSeverity.severity;
    await expect(fireEvent(h.client, h.config, { type: 'insight.created', insight: noSeverity }, { taskQueue: h.taskQueue })).rejects.toThrow(/^insight\.severity: /);
  });
});

describe('jobs on insight.closed', () => {
  it('are refused at validation when a step uses an action the Cloud SIEM does not offer on close', () => {
    const result = validateChain({
      name: 'closed-mail',
      on: ['insight.created', 'insight.closed'],
      steps: [
        { id: 'log', action: 'events.log' },
        { id: 'mail', action: 'email.send', connection: 'soc', with: { to: ['soc@example.org'], format: 'summary' } },
        { id: 'report', action: 'email.send', connection: 'soc', with: { to: ['soc@example.org'], subject: 'closed', body: 'x' } },
        { id: 'slack', action: 'slack.post', connection: 'slack', with: { channel: '#soc' } },
      ],
    });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.path)).toEqual(['on[1]', 'steps[1].action', 'steps[3].action']);
    expect(result.problems[0].message).toContain('"insight.closed" is offered only to http.post (HTTP POST v2)');
    expect(result.problems[1].message).toBe('email.send with format summary does not run when an Insight is closed (the job subscribes to "insight.closed"); use http.post, or put this step in a job on "insight.created"');
    expect(result.problems[2].message).toContain('slack.post does not run when an Insight is closed');
  });

  it('are accepted when their steps are riposte actions offered on every event', () => {
    const result = validateChain({ name: 'closed-log', on: ['insight.closed'], steps: [{ id: 'log', action: 'events.log' }] });
    expect(result.problems).toEqual([]);
  });
});

/** The sensor's state once its outage number `n` (from 0) has started its one job run. */
function outageFired(sensor: string, n: number) {
  return vi.waitFor(
    async () => {
      const s = await sensorStatus(h.client, sensor);
      if (s?.outages[n]?.runs.length !== 1) throw new Error('not fired yet');
      return s;
    },
    { timeout: 20_000, interval: 250 },
  );
}

describe('sensor outages', () => {
  it('fires sensor.offline once per outage and records the recovery', async () => {
    const sensor = `sensor-${suffix}`;
    await recordHeartbeat(h.client, h.config, sensor, { name: 'dmz-sensor', taskQueue: h.taskQueue });
    const online = await sensorStatus(h.client, sensor);
    expect(online).toMatchObject({ id: sensor, name: 'dmz-sensor', status: 'online', windowMs: 2_000, heartbeats: 1, outages: [] });

    const down = await outageFired(sensor, 0);
    expect(down.status).toBe('offline');
    await readRun(h.client.workflow.getHandle(down.outages[0].runs[0]), { wait: true });
    // Offline, the watcher waits for the next heartbeat with no timer: nothing fires again.
    const history = await h.client.workflow.getHandle(sensorWorkflowId(sensor)).fetchHistory();
    const kinds = history.events!.map((e) => (e.timerStartedEventAttributes ? 'timer' : e.activityTaskScheduledEventAttributes ? 'fire' : undefined)).filter(Boolean);
    expect(kinds.at(-1)).toBe('fire');
    expect(kinds.filter((k) => k === 'fire')).toHaveLength(1);
    expect(bodies('/sensor').filter((b) => b.sensor === sensor)).toEqual([{ sensor, offlineAt: down.outages[0].offlineAt }]);

    await recordHeartbeat(h.client, h.config, sensor, { taskQueue: h.taskQueue });
    const recovered = await sensorStatus(h.client, sensor);
    expect(recovered?.status).toBe('online');
    expect(recovered?.outages).toHaveLength(1);
    expect(Date.parse(recovered!.outages[0].recoveredAt!)).toBeGreaterThanOrEqual(Date.parse(down.outages[0].offlineAt));

    const again = await outageFired(sensor, 1);
    await readRun(h.client.workflow.getHandle(again.outages[1].runs[0]), { wait: true });
    expect(bodies('/sensor').filter((b) => b.sensor === sensor).map((b) => b.offlineAt)).toEqual([again.outages[0].offlineAt, again.outages[1].offlineAt]);
  });
});

describe('sensor heartbeats', () => {
  it('keep a sensor that beats within its window online, each beat restarting the timer', async () => {
    const sensor = `steady-${suffix}`;
    for (let i = 0; i < 9; i++) {
      await recordHeartbeat(h.client, h.config, sensor, { taskQueue: h.taskQueue });
      await new Promise((r) => setTimeout(r, 500));
    }
    const state = await sensorStatus(h.client, sensor);
    expect(state).toMatchObject({ status: 'online', windowMs: 3_000, heartbeats: 9, outages: [] });
    const history = await h.client.workflow.getHandle(sensorWorkflowId(sensor)).fetchHistory();
    expect(history.events!.filter((e) => e.timerStartedEventAttributes).length).toBeGreaterThanOrEqual(9);
    expect(history.events!.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
  });

  it('survive the watcher continuing as new', async () => {
    const sensor = `long-${suffix}`;
    const workflowId = sensorWorkflowId(sensor);
    const initial = { id: sensor, name: 'core-sensor', status: 'online', windowMs: 3_600_000, heartbeats: 0, outages: [] };
    const first = await h.client.workflow.signalWithStart('watchSensor', {
      workflowId,
      taskQueue: h.taskQueue,
      args: [initial, { historyBound: 20 }],
      signal: 'heartbeat',
      signalArgs: [{ at: new Date().toISOString(), windowMs: 3_600_000 }],
    });
    for (let i = 0; i < 8; i++) {
      await recordHeartbeat(h.client, h.config, sensor, { taskQueue: h.taskQueue });
      await sensorStatus(h.client, sensor);
    }
    const description = await h.client.workflow.getHandle(workflowId).describe();
    expect(description.runId).not.toBe(first.signaledRunId);
    expect(await sensorStatus(h.client, sensor)).toMatchObject({ id: sensor, name: 'core-sensor', status: 'online', heartbeats: 9, outages: [] });
  });

  it('are listed with every watched sensor', async () => {
    const listed = await vi.waitFor(
      async () => {
        const ids = (await listSensors(h.client, h.taskQueue)).map((s) => s.id);
        if (!ids.includes(`steady-${suffix}`) || !ids.includes(`long-${suffix}`)) throw new Error('not visible yet');
        return ids;
      },
      { timeout: 20_000, interval: 250 },
    );
    expect(listed).toEqual([...listed].sort());
  });
});

describe('the rule guard', () => {
  it('disables a rule above the hourly limit, fires rule.disabled once, and stops the rule\'s jobs', async () => {
    await reportRuleSignals(h.client, h.config, guardedRule, 6, { name: 'Excessive logins', taskQueue: h.taskQueue });
    expect(await ruleStatus(h.client, h.config, guardedRule)).toMatchObject({ enabled: true, signals: { hour: 6, day: 6 } });
    await reportRuleSignals(h.client, h.config, guardedRule, 5, { taskQueue: h.taskQueue });
    const disabled = await ruleStatus(h.client, h.config, guardedRule);
    expect(disabled).toMatchObject({ name: 'Excessive logins', enabled: false, disabledBy: 'guard', reason: 'produced 11 signals in one hour, more than the limit of 10', autoDisables: 1 });
    await reportRuleSignals(h.client, h.config, guardedRule, 50, { taskQueue: h.taskQueue });

    // The event's id is the rule and the moment it was disabled, so its run id is known in advance.
    const runId = eventRunId('rule.disabled', `${guardedRule}@${disabled.disabledAt}`, 'rule-off');
    const outcome = await vi.waitFor(() => readRun(h.client.workflow.getHandle(runId), { wait: true }), { timeout: 20_000, interval: 250 });
    expect(outcome.status).toBe('completed');
    expect(bodies('/rule').filter((b) => b.rule === guardedRule)).toEqual([{ rule: guardedRule, name: 'Excessive logins', reason: 'produced 11 signals in one hour, more than the limit of 10' }]);
    expect(await activitiesScheduled(ruleWorkflowId(guardedRule))).toEqual(['fireEvent']);

    const report = await fireEvent(h.client, h.config, { type: 'insight.created', insight: insight(`ins-${suffix}-guarded`) }, { taskQueue: h.taskQueue });
    expect(report.runs.map((r) => r.job)).not.toContain('guarded');
    expect(report.skipped).toContainEqual({ job: 'guarded', reason: `rule "${guardedRule}" is disabled (produced 11 signals in one hour, more than the limit of 10)` });
    expect(await disabledRuleOf(h.client, { rule: guardedRule })).toMatchObject({ id: guardedRule, disabledBy: 'guard' });
    expect(await disabledRuleOf(h.client, { rule: `R-never-${suffix}` })).toBeUndefined();
    await settle(report);
    expect(peer.received.filter(at('/guarded'))).toHaveLength(1);
  });

  it('disables a rule above the 24-hour limit counted across hours', async () => {
    const rule = `R-day-${suffix}`;
    const hourAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
    await reportRuleSignals(h.client, h.config, rule, 9, { at: hourAgo(5), taskQueue: h.taskQueue });
    await reportRuleSignals(h.client, h.config, rule, 9, { at: hourAgo(3), taskQueue: h.taskQueue });
    expect(await ruleStatus(h.client, h.config, rule)).toMatchObject({ enabled: true, signals: { hour: 0, day: 18 } });
    await reportRuleSignals(h.client, h.config, rule, 9, { taskQueue: h.taskQueue });
    expect(await ruleStatus(h.client, h.config, rule)).toMatchObject({ enabled: false, disabledBy: 'guard', reason: 'produced 27 signals in 24 hours, more than the limit of 25' });
  });

  it('keeps counting across the guard continuing as new', async () => {
    const rule = `R-renew-${suffix}`;
    const workflowId = ruleWorkflowId(rule);
    const limits = { hour: 10, day: 25 };
    const state = { id: rule, name: rule, enabled: true, prototype: false, signals: { hour: 0, day: 0 }, limits, autoDisables: 0 };
    const first = await h.client.workflow.signalWithStart('guardRule', {
      workflowId,
      taskQueue: h.taskQueue,
      args: [{ state, buckets: [] }, { historyBound: 20 }],
      signal: 'reportSignals',
      signalArgs: [{ count: 1, at: new Date().toISOString(), limits }],
    });
    for (let i = 0; i < 9; i++) {
      await reportRuleSignals(h.client, h.config, rule, 1, { taskQueue: h.taskQueue });
      await ruleStatus(h.client, h.config, rule);
    }
    expect((await h.client.workflow.getHandle(workflowId).describe()).runId).not.toBe(first.signaledRunId);
    expect(await ruleStatus(h.client, h.config, rule)).toMatchObject({ enabled: true, signals: { hour: 10 } });
    await reportRuleSignals(h.client, h.config, rule, 1, { taskQueue: h.taskQueue });
    expect(await ruleStatus(h.client, h.config, rule)).toMatchObject({ enabled: false, disabledBy: 'guard', reason: 'produced 11 signals in one hour, more than the limit of 10', autoDisables: 1 });
  });

  it('fires nothing when a person disables, enables or moves a rule in and out of prototype mode', async () => {
    const rule = `R-manual-${suffix}`;
    await changeRule(h.client, h.config, rule, 'prototype', { taskQueue: h.taskQueue });
    expect(await ruleStatus(h.client, h.config, rule)).toMatchObject({ enabled: true, prototype: true });
    await changeRule(h.client, h.config, rule, 'production', { taskQueue: h.taskQueue });
    await changeRule(h.client, h.config, rule, 'disable', { taskQueue: h.taskQueue });
    expect(await ruleStatus(h.client, h.config, rule)).toMatchObject({ enabled: false, prototype: false, disabledBy: 'manual', autoDisables: 0 });
    await changeRule(h.client, h.config, rule, 'enable', { taskQueue: h.taskQueue });
    const state = await ruleStatus(h.client, h.config, rule);
    expect(state).toMatchObject({ enabled: true, prototype: false, autoDisables: 0 });
    expect(state.reason).toBeUndefined();
    expect(await activitiesScheduled(ruleWorkflowId(rule))).toEqual([]);
    expect(bodies('/rule').filter((b) => b.rule === rule)).toEqual([]);
  });
});

describe('the trigger examples', () => {
  it('are a valid jobs directory and a valid Insight', () => {
    const examples = path.join(__dirname, '..', 'examples');
    const catalog = loadJobs({ ...h.config, jobsDir: path.join(examples, 'jobs') });
    expect(catalog.invalid).toEqual([]);
    expect([...catalog.jobs.keys()].sort()).toEqual(['insight-closed', 'insight-to-incident', 'rule-disabled', 'sensor-offline']);
    const event = parseEvent({ type: 'insight.created', insight: JSON.parse(fs.readFileSync(path.join(examples, 'events', 'insight.json'), 'utf8')) });
    expect(event.type).toBe('insight.created');
  });
});

describe('riposte fire', () => {
  it('prints the runs it started as JSON', async () => {
    const file = path.join(h.dataDir, 'insight.json');
    fs.writeFileSync(file, JSON.stringify(insight(`ins-${suffix}-cli`)));
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'dist', 'cli', 'main.js'), 'fire', 'insight.on_demand', '--insight', file, '--job', 'open-incident', '--id', `req-${suffix}`, '--json'], {
      cwd: h.dataDir,
      env: { ...process.env, RIPOSTE_DATA_DIR: h.dataDir, RIPOSTE_JOBS_DIR: jobsDir, TEMPORAL_ADDRESS: inject('temporalAddress'), RIPOSTE_TASK_QUEUE: h.taskQueue },
    });
    const report = JSON.parse(stdout) as FireReport;
    expect(report).toEqual({ event: 'insight.on_demand', eventId: `req-${suffix}`, runs: [{ job: 'open-incident', runId: `event/insight.on_demand/req-${suffix}/open-incident`, started: true }], skipped: [] });
    const outcome = await readRun(h.client.workflow.getHandle(report.runs[0].runId), { wait: true });
    expect(outcome.status).toBe('completed');
  });
});

describe('an on-demand request for a job that does not offer it', () => {
  it('starts nothing, says why and exits 1 on the command line, and fireEvent refuses it', async () => {
    const file = path.join(h.dataDir, 'insight-unsubscribed.json');
    fs.writeFileSync(file, JSON.stringify(insight(`ins-${suffix}-unsub`)));
    const cli = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
    const env = { ...process.env, RIPOSTE_DATA_DIR: h.dataDir, RIPOSTE_JOBS_DIR: jobsDir, TEMPORAL_ADDRESS: inject('temporalAddress'), RIPOSTE_TASK_QUEUE: h.taskQueue };
    const failed = await promisify(execFile)(process.execPath, [cli, 'fire', 'insight.on_demand', '--insight', file, '--job', 'notify-created', '--id', `unsub-${suffix}`], { cwd: h.dataDir, env }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    const message = 'job "notify-created" does not subscribe to insight.on_demand (its "on": insight.created), so nothing was started; add "insight.on_demand" to its "on" to offer it on demand';
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr.trim()).toBe(message);
    await expect(fireEvent(h.client, h.config, { type: 'insight.on_demand', id: `unsub-${suffix}`, insight: insight(`ins-${suffix}-unsub`) }, { taskQueue: h.taskQueue, job: 'notify-created' })).rejects.toThrow(message);
    // Nothing started under the event's run id.
    await expect(h.client.workflow.getHandle(eventRunId('insight.on_demand', `unsub-${suffix}`, 'notify-created')).describe()).rejects.toThrow(/not found/i);
  });
});

describe('riposte fire with the Insights Sumo Logic publishes', () => {
  const cli = (args: string[]) =>
    promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'dist', 'cli', 'main.js'), ...args], {
      cwd: h.dataDir,
      env: { ...process.env, RIPOSTE_DATA_DIR: h.dataDir, RIPOSTE_JOBS_DIR: jobsDir, TEMPORAL_ADDRESS: inject('temporalAddress'), RIPOSTE_TASK_QUEUE: h.taskQueue, RIPOSTE_CLOUD_SIEM_URL: CLOUD_SIEM_URL },
    });
  const fixture = (file: string) => path.join(__dirname, 'fixtures', 'vendor', 'sumologic', file);

  it('fires the published playbook Insight, nulls and status object included, and its job renders the vendor fields', async () => {
    const { stdout } = await cli(['fire', 'insight.created', '--insight', fixture('insight-payload-example.json'), '--job', 'notify-created', '--json']);
    const report = JSON.parse(stdout) as FireReport;
    expect(report.eventId).toBe('8e965194-f2da-36e0-839d-c2bacffca684');
    expect(report.runs.map((r) => [r.job, r.started])).toEqual([['notify-created', true]]);
    await settle(report);
    expect(bodies('/created').at(-1)).toEqual({
      insight: 'INSIGHT-637', entity: '192.0.2.0', trigger: 'insight.created', link: `${CLOUD_SIEM_URL}/sec/insight/8e965194-f2da-36e0-839d-c2bacffca684`, status: 'New', tactic: 'Unknown/Other', created: '2024-09-05T20:25:59.673Z',
    });
  });

  it('fires a closed Insight given in the API envelope { data, errors }', async () => {
    const { stdout } = await cli(['fire', 'insight.closed', '--insight', fixture('api-insight-details.json'), '--json']);
    const report = JSON.parse(stdout) as FireReport;
    expect(report).toMatchObject({ event: 'insight.closed', eventId: '00853cdd-763e-3e31-a2e4-f74277922f9f', runs: [{ job: 'on-close', started: true }] });
    await settle(report);
    expect(bodies('/closed').at(-1)).toEqual({ insight: '00853cdd-763e-3e31-a2e4-f74277922f9f' });
  });

  it('refuses an envelope without an Insight with exit code 1 and the field named', async () => {
    const file = path.join(h.dataDir, 'empty-envelope.json');
    fs.writeFileSync(file, JSON.stringify({ data: null, errors: [{ message: 'Not Found' }] }));
    const failed = await cli(['fire', 'insight.created', '--insight', file]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('insight.data: the envelope holds no Insight (its errors: Not Found)');
  });
});

describe('a large Insight', () => {
  it('rides by reference in the store and still renders as the result', async () => {
    const id = `ins-${suffix}-large`;
    const records = Array.from({ length: 3_000 }, (_, i) => ({ srcDevice_ip: `10.1.${i % 250}.${i % 200}`, user_username: `user-${i}`, note: 'x'.repeat(200) }));
    const report = await fireEvent(h.client, h.config, { type: 'insight.created', insight: { ...insight(id), signals: [{ id: 'sig-1', stage: 'Initial Access', allRecords: records }] } }, { taskQueue: h.taskQueue, store: h.store });
    const notify = report.runs.find((r) => r.job === 'notify-created')!;
    const outcome = await readRun(h.client.workflow.getHandle(notify.runId), { wait: true, store: h.store });
    expect(outcome.status).toBe('completed');
    expect(bodies('/created').at(-1)).toEqual(created(id));
    await settle(report);
  });
});
