// `riposte runs list/show/cancel/retry` as an operator uses them, against loopback peers that count every effect.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { assertValidChain } from '../dsl';
import { startRun } from '../control/client';
import { startSmtpPeer } from '../scripts/smtp-peer';
import { startHarness, startPeer, type Harness } from './helpers';

const exec = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-runs-'));

let h: Harness;
let env: Record<string, string>;
let notifyPeer: Awaited<ReturnType<typeof startPeer>>;
let closePeer: Awaited<ReturnType<typeof startPeer>>;
let slowPeer: Awaited<ReturnType<typeof startPeer>>;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
/** The SMTP server refuses the first message it is given, as a mail gateway down for a moment would (550). */
let refuseMail = true;
let slow = true;

async function riposte(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Waits (up to 30 s) for a condition, e.g. visibility, which Temporal updates after the run's own state. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    value = await read();
  }
  return value;
}

beforeAll(async () => {
  notifyPeer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  closePeer = await startPeer(() => ({ status: 200, body: { closed: true } }));
  slowPeer = await startPeer(() => (slow ? { status: 200, body: {}, delayMs: 60_000 } : { status: 200, body: { fast: true } }));
  smtp = await startSmtpPeer({ refuse: () => (refuseMail ? { code: 550, message: 'mailbox unavailable' } : undefined) });
  h = await startHarness((config) => {
    config.connections.smtp = { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', from: 'riposte@example.org' };
  });
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_UI_URL: 'http://127.0.0.1:8233', RIPOSTE_TASK_QUEUE: h.taskQueue, RIPOSTE_STORE_URL: `sqlite:${path.join(h.dataDir, 'store.db')}` };
});
afterAll(async () => {
  await h?.close();
  await Promise.all([notifyPeer?.close(), closePeer?.close(), slowPeer?.close(), smtp?.close()]);
});

const job = `retry-${Date.now()}`;
const chain = {
  name: job,
  steps: [
    { id: 'incident', action: 'incident.create', mode: 'each', with: { title: 'SSH brute force from {{result.src_ip}}', severity: 'high' } },
    { id: 'notify', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: 0, path: '/soc', body: { incidents: '{{steps.incident.outputs.length}}' } } },
    { id: 'mail', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', subject: 'Brute force', body: 'Incidents opened.' } },
    { id: 'close', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: 0, path: '/close', body: {} } },
  ],
};
const results = [{ src_ip: '198.51.100.7' }, { src_ip: '198.51.100.8' }];

describe('riposte runs retry', () => {
  let failedRun: string;
  let retried: { runId: string; status: string; url: string; steps: Record<string, { status: string; output?: { incident_id?: string }; outputs?: { incident_id: string }[] }> };

  it('re-runs a run that failed at its third step from that step: no second incident, webhook or e-mail', async () => {
    chain.steps[1].with.port = notifyPeer.port;
    chain.steps[3].with.port = closePeer.port;
    const report = await h.run(chain, results);
    expect(report.status).toBe('failed');
    expect(report.steps.mail.status).toBe('failed');
    expect(report.steps.mail.error).toContain('550');
    expect(report.steps.close).toBeUndefined();
    failedRun = report.runId;
    expect(notifyPeer.received).toHaveLength(1);
    expect(smtp.received).toHaveLength(0);

    refuseMail = false;
    const out = await riposte(['runs', 'retry', failedRun, '--wait', '--json']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    retried = JSON.parse(out.stdout);
    expect(retried).toMatchObject({ status: 'completed', retryOf: failedRun, fromStep: 'mail' });
    expect(retried.runId).toMatch(new RegExp(`^${failedRun}-retry-[0-9a-f]{8}$`));
    // The steps before the failed one carry the earlier run's outcome: the same incidents.
    expect(retried.steps.incident.outputs!.map((o) => o.incident_id)).toEqual(report.steps.incident.outputs!.map((o) => (o as { incident_id: string }).incident_id));
    expect(retried.steps.mail.status).toBe('completed');
    expect(retried.steps.close.status).toBe('completed');

    // What the peers saw: each effect once.
    expect(await h.store.listIncidents({ job })).toHaveLength(2);
    expect(notifyPeer.received).toHaveLength(1);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].parsed.subject).toBe('Brute force');
    expect(closePeer.received).toHaveLength(1);
  });

  it('runs --from a step again under the earlier keys: the e-mail already sent is not sent twice', async () => {
    const out = await riposte(['runs', 'retry', retried.runId, '--from', 'mail', '--wait', '--json']);
    expect(out.code).toBe(0);
    const again = JSON.parse(out.stdout);
    expect(again.status).toBe('completed');
    expect(again.steps.mail.output).toMatchObject({ alreadySent: true });
    expect(smtp.received).toHaveLength(1);
    expect(await h.store.listIncidents({ job })).toHaveLength(2);
    expect(notifyPeer.received).toHaveLength(1);
  });

  it('replays the histories of the failed run and of its retries with today\'s workflow code', async () => {
    for (const id of [failedRun, retried.runId]) {
      const history = await h.client.workflow.getHandle(id).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history), id).resolves.toBeUndefined();
    }
  });

  it('refuses what it cannot retry, with the reason and the fix', async () => {
    const completed = await riposte(['runs', 'retry', retried.runId]);
    expect(completed.code).toBe(1);
    expect(completed.stderr.trim()).toBe(`run ${retried.runId} completed; nothing failed. Give --from STEP to run it again from a step`);
    const unknown = await riposte(['runs', 'retry', failedRun, '--from', 'nope']);
    expect(unknown.stderr.trim()).toBe(`--from nope: chain "${job}" has no such step; its steps: incident, notify, mail, close`);
    const missing = await riposte(['runs', 'retry', 'no-such-run']);
    expect(missing.stderr.trim()).toBe('no run "no-such-run" in this namespace; `riposte runs list` shows the runs');
  });

  it('shows a run with each step\'s attempts and last failure, from its history', async () => {
    const out = await riposte(['runs', 'show', failedRun, '--json']);
    expect(out.code).toBe(0);
    const shown = JSON.parse(out.stdout);
    const runId = (await h.client.workflow.getHandle(failedRun).describe()).runId;
    expect(shown).toMatchObject({ runId: failedRun, job, status: 'failed', url: `http://127.0.0.1:8233/namespaces/default/workflows/${failedRun}/${runId}/history` });
    expect(shown.steps.incident).toMatchObject({ status: 'completed', executions: 2, attempts: 2 });
    expect(shown.steps.mail).toMatchObject({ status: 'failed', executions: 1, attempts: 1 });
    expect(shown.steps.mail.lastFailure).toContain('550 mailbox unavailable');
    expect(shown.steps.close).toBeUndefined();
    const text = await riposte(['runs', 'show', failedRun]);
    expect(text.stdout).toContain(`run ${failedRun} (${job}): failed`);
    expect(text.stdout).toMatch(/mail\s+failed {2}1 attempt over 1 execution/);
  });

  it('lists runs newest first from visibility, filtered by job, status and time', async () => {
    const list = await eventually(
      async () => JSON.parse((await riposte(['runs', 'list', '--job', job, '--json'])).stdout) as { runId: string; status: string; retryOf?: string; url: string; job: string }[],
      (rows) => rows.length === 3 && rows.every((r) => r.status !== 'running'),
    );
    expect(list.map((r) => r.status)).toEqual(['completed', 'completed', 'failed']);
    expect(list[2]).toMatchObject({ runId: failedRun, job });
    expect(list[1]).toMatchObject({ runId: retried.runId, retryOf: failedRun });
    expect(list[2].url).toMatch(new RegExp(`/workflows/${failedRun}/[0-9a-f-]{36}/history$`));
    const failed = JSON.parse((await riposte(['runs', 'list', '--job', job, '--status', 'failed', '--json'])).stdout);
    expect(failed.map((r: { runId: string }) => r.runId)).toEqual([failedRun]);
    const future = JSON.parse((await riposte(['runs', 'list', '--job', job, '--since', '2999-01-01T00:00:00Z', '--json'])).stdout);
    expect(future).toEqual([]);
    const limited = JSON.parse((await riposte(['runs', 'list', '--job', job, '--limit', '1', '--json'])).stdout);
    expect(limited).toHaveLength(1);
  });

  it('checks its flags before it asks Temporal anything', async () => {
    expect((await riposte(['runs', 'list', '--limit', 'abc'])).stderr.trim()).toBe('--limit "abc": write a whole number from 1 to 10000');
    expect((await riposte(['runs', 'list', '--limit', '-5'])).stderr.trim()).toBe('--limit "-5": write a whole number from 1 to 10000');
    expect((await riposte(['runs', 'list', '--status', 'broken'])).stderr.trim()).toBe('--status "broken": write one of running, completed, failed, cancelled, timed_out');
    expect((await riposte(['runs', 'list', '--since', 'yesterday'])).stderr.trim()).toContain('--since "yesterday": write a duration back from now');
    expect((await riposte(['runs', 'list', '--job', "x' OR WorkflowId != '"])).stderr.trim()).toBe('--job "x\' OR WorkflowId != \'": not a job name (letters, digits, ".", "_" and "-")');
  });
});

describe('riposte runs cancel', () => {
  it('cancels a running run, which ends cancelled; a retry then runs the step it was in', async () => {
    const slowChain = assertValidChain({
      name: `cancel-${Date.now()}`,
      steps: [
        { id: 'note', action: 'incident.create', with: { title: 'before the wait' } },
        { id: 'wait', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: slowPeer.port, path: '/slow', body: {} }, timeout: '2m' },
      ],
    });
    const handle = await startRun(h.client, { chain: slowChain, results: [], taskQueue: h.taskQueue });
    await eventually(async () => slowPeer.received.length, (n) => n > 0);
    const out = await riposte(['runs', 'cancel', handle.workflowId, '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ runId: handle.workflowId, status: 'cancelled' });
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const shown = JSON.parse((await riposte(['runs', 'show', handle.workflowId, '--json'])).stdout);
    expect(shown.status).toBe('cancelled');
    expect(shown.steps.note).toMatchObject({ status: 'completed', executions: 1, attempts: 1 });
    expect(shown.steps.wait).toMatchObject({ status: 'cancelled', executions: 1, attempts: 1 });
    const again = await riposte(['runs', 'cancel', handle.workflowId]);
    expect(again.stderr.trim()).toBe(`run ${handle.workflowId} has already ended (cancelled); only a running run can be cancelled`);

    slow = false;
    const retry = await riposte(['runs', 'retry', handle.workflowId, '--wait', '--json']);
    expect(retry.code).toBe(0);
    const report = JSON.parse(retry.stdout);
    expect(report).toMatchObject({ status: 'completed', fromStep: 'wait' });
    expect(report.steps.wait.output).toMatchObject({ status: 200, body: { fast: true } });
    expect(await h.store.listIncidents({ job: slowChain.name })).toHaveLength(1);
    const history = await handle.fetchHistory();
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history)).resolves.toBeUndefined();
  });
});
