// The Smart Monitor script example as the product documents it: a bare interpreter, an absolute host path and an index pattern.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../dsl';
import { startHarness, type Harness } from './helpers';

// The example's own command line, with its host folder replaced by a temporary one.
const EXAMPLE = 'python3 /app/smart-monitor/utils/scripts/test.py --index logs-* --limit 100';

let h: Harness;
let dir: string;

beforeAll(async () => {
  // A host folder the jail mounts read-only at the same path (scripts.readOnlyPaths): readable by the
  // unprivileged user the sandbox runs as when the worker is root.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-example-'));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'test.py'), 'import json, sys\nprint(json.dumps(sys.argv[1:]))\n', { mode: 0o644 });
  h = await startHarness((c) => {
    c.scripts.readOnlyPaths = [dir];
  });
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the Smart Monitor script example', () => {
  it('validates as written: `logs-*` is an argument, not a glob, since no shell runs', () => {
    expect(validateChain({ name: 'example', steps: [{ id: 'run', action: 'script.run', with: { command: EXAMPLE } }] })).toMatchObject({ ok: true });
  });

  it('runs with the host folder mounted in the jail, and the script gets its arguments as written', async () => {
    const command = EXAMPLE.replace('/app/smart-monitor/utils/scripts', dir);
    const report = await h.run({ name: 'script-example', steps: [{ id: 'run', action: 'script.run', with: { command } }] });
    expect(report.status).toBe('completed');
    const output = report.steps.run.output as { exitCode: number; stdout: string };
    expect(output.exitCode).toBe(0);
    expect(JSON.parse(output.stdout)).toEqual(['--index', 'logs-*', '--limit', '100']);
  });
});
