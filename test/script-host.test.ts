// Steps with `host` run on a separate executor process (`riposte worker --host NAME`) with its own scripts and jail.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encryptSecret } from '../config/secrets';
import { fetchHistoryText } from './history-text';
import { recordTestSecret } from './secrets-ledger';
import { startHarness, type Harness } from './helpers';

const CLI = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const MASTER_KEY = crypto.randomBytes(32).toString('base64');
const TOKEN = `remote-${crypto.randomUUID()}`;
const host = `edge-${crypto.randomUUID().slice(0, 8)}`;
const remoteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-remote-'));
let executor: ChildProcess;
let executorLog = '';
let h: Harness;

function riposte(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

beforeAll(async () => {
  recordTestSecret('script executor token', TOKEN);
  const env = { RIPOSTE_DATA_DIR: remoteDir, RIPOSTE_CONFIG: '', RIPOSTE_MASTER_KEY: MASTER_KEY };
  fs.writeFileSync(path.join(remoteDir, 'whoami.py'), 'import socket, sys\r\nprint("py on", sys.argv[1:])\r\n');
  fs.writeFileSync(path.join(remoteDir, 'block.sh'), 'echo "sh blocks $1 for $2h"\r\n');
  expect((await riposte(['script', 'add', 'whoami.py', path.join(remoteDir, 'whoami.py')], env)).code).toBe(0);
  expect((await riposte(['script', 'add', 'block.sh', path.join(remoteDir, 'block.sh')], env)).code).toBe(0);
  executor = spawn(process.execPath, [CLI, 'worker', '--host', host], { env: { ...process.env, ...env, TEMPORAL_ADDRESS: inject('temporalAddress') } });
  executor.stdout!.on('data', (c: Buffer) => (executorLog += c.toString()));
  executor.stderr!.on('data', (c: Buffer) => (executorLog += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the executor did not start: ${executorLog}`)), 30_000);
    const check = setInterval(() => {
      if (executorLog.includes('polling')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
  });
  // The chain's own worker has no scripts registered: only the executor can run them.
  process.env.RIPOSTE_MASTER_KEY = MASTER_KEY;
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  if (executor && executor.exitCode === null) {
    const exited = new Promise((r) => executor.once('exit', r));
    executor.kill('SIGTERM');
    await exited;
  }
});

describe('script.run on an executor host', () => {
  it('runs a Python and a Bash script on the executor with event properties in order', async () => {
    const workflowId = `remote-${crypto.randomUUID()}`;
    const enc = encryptSecret(TOKEN, Buffer.from(MASTER_KEY, 'base64'));
    const report = await h.run(
      {
        name: 'remote',
        steps: [
          { id: 'py', action: 'script.run', host, mode: 'each', with: { interpreter: 'python3', script: 'whoami.py', args: [{ property: 'src_ip' }, { property: 'user' }, { secret: enc }] } },
          { id: 'sh', action: 'script.run', host, mode: 'each', with: { interpreter: 'bash', script: 'block.sh', args: [{ property: 'src_ip' }, '{{params.hours}}'] } },
          { id: 'local', action: 'script.run', with: { interpreter: 'bash', script: 'block.sh' }, onError: 'continue' },
        ],
        params: { hours: 24 },
      },
      [
        { src_ip: '192.0.2.7', user: 'mallory' },
        { src_ip: '192.0.2.8', user: 'trent' },
      ],
      { workflowId },
    );
    expect(report.steps.py.status).toBe('completed');
    expect(report.steps.py.outputs).toMatchObject([
      { stdout: "py on ['192.0.2.7', 'mallory', '***']\n", sandboxed: true, host },
      { stdout: "py on ['192.0.2.8', 'trent', '***']\n", sandboxed: true, host },
    ]);
    expect(report.steps.sh.outputs).toMatchObject([{ stdout: 'sh blocks 192.0.2.7 for 24h\n', host }, { stdout: 'sh blocks 192.0.2.8 for 24h\n', host }]);
    // Without `host` the step runs on the chain's worker, where block.sh is not registered.
    expect(report.steps.local.error).toContain('no script "block.sh" is registered on this worker');

    const history = await fetchHistoryText(h.client.workflow.getHandle(workflowId));
    expect(history.includes(`"riposte-host-${host}"`)).toBe(true);
    // The payloads are searched as text (the script's output is there), and the secret is not.
    expect(history.includes('sh blocks 192.0.2.7 for 24h')).toBe(true);
    expect(history.includes(TOKEN)).toBe(false);
    expect(executorLog.includes(TOKEN)).toBe(false);
  });
});
