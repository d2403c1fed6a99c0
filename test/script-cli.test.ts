// `riposte script add` and `riposte script test` as a user runs them, and the example script chain.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerScript } from '../activities/script-run';
import { startHarness, type Harness } from './helpers';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-script-cli-'));

async function riposte(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir, RIPOSTE_CONFIG: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('riposte script', () => {
  it('registers a script written on Windows with its CRs stripped and test-runs it with sample arguments', async () => {
    const file = path.join(dir, 'notify.sh');
    fs.writeFileSync(file, '#!/bin/bash\r\necho "notify $1 about $2"\r\necho "to stderr" >&2\r\n');
    const added = await riposte(['script', 'add', 'notify.sh', file]);
    expect(added.code).toBe(0);
    expect(added.stderr).toBe(`registered notify.sh at ${path.join(dir, 'scripts', 'notify.sh')} (3 CR characters removed)\n`);
    expect(fs.readFileSync(path.join(dir, 'scripts', 'notify.sh'), 'utf8')).not.toContain('\r');

    const tested = await riposte(['script', 'test', 'notify.sh', '--arg', 'soc@example.org', '--arg', '; touch /tmp/x']);
    expect(tested).toEqual({ code: 0, stdout: 'exit code: 0\nstdout:\nnotify soc@example.org about ; touch /tmp/x\nstderr:\nto stderr\n\n', stderr: '' });
  });

  it('reports a failing script with its exit code and output as JSON, and exits 1', async () => {
    const file = path.join(dir, 'fail.py');
    fs.writeFileSync(file, 'import sys\nprint("checked", sys.argv[1])\nsys.exit(4)\n');
    expect((await riposte(['script', 'add', 'fail.py', file])).code).toBe(0);
    const tested = await riposte(['script', 'test', 'fail.py', '--arg', '10.0.0.1', '--json']);
    expect(tested.code).toBe(1);
    expect(JSON.parse(tested.stdout)).toEqual({ script: 'fail.py', interpreter: 'python3', exitCode: 4, timedOut: false, sandboxed: true, stdout: 'checked 10.0.0.1\n', stderr: '', truncated: false });
  });

  it('says how to register a script that is not there', async () => {
    const tested = await riposte(['script', 'test', 'missing.sh']);
    expect(tested.code).toBe(1);
    expect(tested.stderr).toBe(`no script "missing.sh" in ${path.join(dir, 'scripts')}; register it with \`riposte script add missing.sh FILE\`\n`);
  });
});

describe('the example script chain', () => {
  let h: Harness;
  beforeAll(async () => {
    process.env.JSA_API_TOKEN = 'example-token-value';
    h = await startHarness();
    registerScript(h.config.scripts.dir, 'asset-lookup.py', path.join(ROOT, 'examples', 'scripts', 'asset-lookup.py'));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('looks up and blocks each source IP with the arguments in order', async () => {
    const chain = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'block-ip-script.json'), 'utf8')) as object;
    const results = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'block-ip-script.results.json'), 'utf8')) as Record<string, unknown>[];
    const report = await h.run(chain, results);
    expect(report.status).toBe('completed');
    expect((report.steps.lookup.outputs as { stdout: string }[]).map((o) => JSON.parse(o.stdout) as unknown)).toEqual([
      { console: 'console.example.org', asset_ip: '203.0.113.7', token_length: 19 },
      { console: 'console.example.org', asset_ip: '198.51.100.23', token_length: 19 },
    ]);
    expect((report.steps.block.outputs as { stdout: string }[]).map((o) => o.stdout)).toEqual([
      'would block 203.0.113.7 for 24 hours (rule block-ip-script)\n',
      'would block 198.51.100.23 for 24 hours (rule block-ip-script)\n',
    ]);
  });
});
