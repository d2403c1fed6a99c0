// Structured logs of the long-running commands, read from real `riposte worker` and `riposte api` processes: JSON lines, the same fields, no secret, no body.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assertValidChain } from '../dsl';
import { readRun, startRun } from '../control/client';
import { freePort } from '../worker/temporal-server';
import { recordTestSecret } from './secrets-ledger';
import { startPeer } from './helpers';

const CLI = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const SECRET = `hook-key-${crypto.randomUUID()}`;
const RESULT_MARKER = `result-field-${crypto.randomUUID()}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-logs-'));
const taskQueue = `logs-${crypto.randomUUID()}`;

/** A riposte process whose standard error is collected line by line. */
interface Service {
  child: ChildProcess;
  lines: string[];
  waitFor(test: (line: string) => boolean): Promise<string>;
  stop(): Promise<void>;
}

function service(args: string[], env: Record<string, string>): Service {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir, RIPOSTE_CONFIG: path.join(dir, 'riposte.config.json'), TEMPORAL_ADDRESS: inject('temporalAddress'), ...env } });
  const lines: string[] = [];
  let partial = '';
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout!.on('data', () => undefined);
  child.stderr!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  return {
    child,
    lines,
    waitFor(test) {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`riposte ${args.join(' ')} exited (${code}): ${lines.join('\n')}`)));
        waiters.push({ test, resolve });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const events = (s: Service) => s.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

let peer: Awaited<ReturnType<typeof startPeer>>;
let worker: Service;

beforeAll(async () => {
  recordTestSecret('webhook connection key (logs test)', SECRET);
  // The peer refuses and quotes the key it was sent, as a careless API does: the log must not carry it.
  peer = await startPeer((req) => ({ status: 403, body: { error: `key ${String(req.headers['x-api-key'])} is not allowed` } }));
  fs.writeFileSync(
    path.join(dir, 'riposte.config.json'),
    `{
      // The worker logs at debug level so every event it has is checked.
      "logLevel": "debug",
      "network": { "allow": ["127.0.0.1"] },
      "connections": { "hook": { "type": "http", "url": "${peer.url}/in", "headers": { "x-api-key": "env:LOGS_TEST_HOOK_KEY" } } },
    }`,
  );
  worker = service(['worker', '--task-queue', taskQueue], { LOGS_TEST_HOOK_KEY: SECRET });
  await worker.waitFor((l) => l.includes('"event":"worker.started"'));
});
afterAll(async () => {
  await worker?.stop();
  await peer?.close();
});

describe('riposte worker', () => {
  it('writes one JSON line per event, each step event with run, job, step, action, attempt and outcome, and no secret or body', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new Client({ connection });
    try {
      const chain = assertValidChain({
        name: 'logged',
        steps: [
          { id: 'note', action: 'events.log', with: { message: 'seen {{result.user}}' } },
          { id: 'hook', action: 'webhook.send', connection: 'hook', onError: 'continue', with: { body: { user: '{{result.user}}' } } },
        ],
      });
      const handle = await startRun(client, { chain, results: [{ user: RESULT_MARKER }], taskQueue });
      const report = await readRun(handle, { wait: true });
      expect(report.steps.hook.status).toBe('failed');
      await worker.waitFor((l) => l.includes('"step":"hook"') && l.includes('"event":"action.finished"'));

      for (const line of worker.lines) expect(() => JSON.parse(line), line).not.toThrow();
      const all = events(worker);
      expect(all.every((e) => typeof e.time === 'string' && typeof e.level === 'string' && e.service === 'riposte' && e.command === 'worker')).toBe(true);
      const finished = all.filter((e) => e.event === 'action.finished');
      expect(finished).toContainEqual(expect.objectContaining({ runId: handle.workflowId, job: 'logged', step: 'note', action: 'events.log', attempt: 1, outcome: 'completed', level: 'info' }));
      const failed = finished.find((e) => e.step === 'hook');
      expect(failed).toMatchObject({ runId: handle.workflowId, job: 'logged', action: 'webhook.send', attempt: 1, outcome: 'PeerRejectedError', level: 'warn' });
      // The failure names the peer's answer with the key it echoed masked.
      expect(failed!.error).toContain('answered 403');
      expect(failed!.error).toContain('***');
      expect(all).toContainEqual(expect.objectContaining({ event: 'action.started', step: 'hook', attempt: 1, level: 'debug' }));
      // The SDK's own logger goes through the same logger, with riposte's field names.
      expect(all.some((e) => e.component === 'temporal')).toBe(true);

      const text = worker.lines.join('\n');
      expect(text).not.toContain(SECRET);
      // Results and bodies stay out of the log: the result's value reached the peer, not a line.
      expect(peer.received[0].body).toContain(RESULT_MARKER);
      expect(text).not.toContain(RESULT_MARKER);
    } finally {
      await connection.close();
    }
  });
});

describe('riposte api', () => {
  it('logs each request as a JSON event with the route, status and token name, never the URL a caller sent', async () => {
    const port = await freePort();
    const api = service(['api', '--log-format', 'json'], { RIPOSTE_API_LISTEN: `127.0.0.1:${port}`, RIPOSTE_LOG_LEVEL: 'info' });
    try {
      await api.waitFor((l) => l.includes('"event":"api.listening"'));
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/v1/hooks/splunk/${SECRET}`, { method: 'POST' })).status).toBe(404);
      await api.waitFor((l) => l.includes('"route":"/v1/hooks/:hook/:secret"'));
      expect(events(api)).toContainEqual(expect.objectContaining({ event: 'http.request', method: 'GET', route: '/healthz', status: 200, command: 'api' }));
      expect(api.lines.join('\n')).not.toContain(SECRET);
    } finally {
      await api.stop();
    }
  });

  it('writes readable lines with --log-format pretty', async () => {
    const port = await freePort();
    const api = service(['api', '--log-format', 'pretty'], { RIPOSTE_API_LISTEN: `127.0.0.1:${port}`, RIPOSTE_LOG_LEVEL: 'info' });
    try {
      await api.waitFor((l) => l.includes('intake API on'));
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const line = await api.waitFor((l) => l.includes('GET /healthz 200'));
      expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/healthz 200 /);
      expect(api.lines.filter((l) => l.startsWith('{'))).toEqual([]);
    } finally {
      await api.stop();
    }
  });
});
