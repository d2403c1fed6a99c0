// The operator's pieces that need no Temporal: run links, problem positions, graphs, flags, the catalogue, --version.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseTree } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, CATALOGUE, assertValidChain, type Chain, type StepRecord } from '../dsl';
import { runUrl } from '../control/client';
import { chainGraph } from '../api/chain-graph';
import { intFlag, sinceFlag } from '../cli/cli-error';
import { locateProblems, nodeAtPath } from '../api/problem-positions';
import { restartStep, runsQuery } from '../control/runs';
import { parametersOf } from '../cli/actions';

const exec = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-op-'));
const HOSTILE = Object.entries(JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, unknown>)
  .filter(([k, v]) => k !== '$comment' && typeof v === 'string')
  .map(([k, v]) => [k, v as string] as const);

async function riposte(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('run links', () => {
  it('name the namespace, workflow id and run id, each one path segment whatever it holds', () => {
    expect(runUrl('http://127.0.0.1:8233/', 'default', 'ssh-1', '01a2-b3')).toBe('http://127.0.0.1:8233/namespaces/default/workflows/ssh-1/01a2-b3/history');
    expect(runUrl(undefined, 'default', 'ssh-1', 'r')).toBeUndefined();
    for (const [name, value] of HOSTILE) {
      const url = new URL(runUrl('https://temporal.corp.example/ui', 'default', value, 'run-1')!);
      expect(url.origin, name).toBe('https://temporal.corp.example');
      const segments = url.pathname.split('/');
      expect(segments.slice(0, 4), name).toEqual(['', 'ui', 'namespaces', 'default']);
      expect(decodeURIComponent(segments[5]), name).toBe(value);
      expect(segments.slice(6), name).toEqual(['run-1', 'history']);
      expect(url.search + url.hash, name).toBe('');
    }
  });
});

describe('problem positions', () => {
  const text = '{\n  "name": "x",\n  "steps": [\n    { "id": "a", "action": "webhook.send", "with": { "a.b": { "c": [1, "two"] } } }\n  ]\n}\n';
  it('find the node a path names, a key with a dot included, and the parent of a missing field', () => {
    const root = parseTree(text)!;
    const at = (p: string) => text.slice(nodeAtPath(root, p).offset).slice(0, 5);
    expect(at('steps[0].with.a.b.c[1]')).toBe('"two"');
    expect(at('steps[0].id')).toBe('"a", ');
    expect(at('steps[0].with.missing')).toBe('{ "a.');
    expect(at('steps[7]')).toBe('[\n   ');
    expect(at('')).toBe('{\n  "');
  });

  it('give 1-based lines and columns, and the first syntax error for a file that does not parse', () => {
    expect(locateProblems('f.json', text, [{ path: 'steps[0].with.a.b.c[1]', message: 'm' }])).toEqual([{ file: 'f.json', path: 'steps[0].with.a.b.c[1]', line: 4, column: 72, message: 'm' }]);
    expect(locateProblems('g.json', '{\n  "a": \n}', [{ path: '', message: 'bad' }])[0]).toMatchObject({ line: 3, column: 1 });
  });

  it('stay within the file for hostile keys and paths', () => {
    for (const [name, value] of HOSTILE) {
      const hostileText = JSON.stringify({ name: 'x', steps: [{ id: 'a', action: 'events.log', with: { [value]: value } }] }, null, 2);
      const [p] = locateProblems('h.json', hostileText, [{ path: `steps[0].with.${value}`, message: 'm' }]);
      expect(p.line, name).toBeGreaterThanOrEqual(1);
      expect(p.line, name).toBeLessThanOrEqual(hostileText.split('\n').length);
    }
  });
});

describe('riposte graph', () => {
  it('draws steps, mode, when, onError, throttle and job.run edges as a Mermaid flowchart', () => {
    const chain = assertValidChain({
      name: 'triage',
      schedule: { every: '5m' },
      steps: [
        { id: 'incident', action: 'incident.create', mode: 'each', with: { title: 'x' }, throttle: { key: '{{result.src_ip}}', window: '1h' } },
        { id: 'page', action: 'webhook.send', when: '{{gt results.length 10}}', onError: 'continue', with: { host: 'soar.example.org', body: {} } },
        { id: 'contain', action: 'job.run', with: { job: 'contain-host', wait: false } },
      ],
    });
    expect(chainGraph(chain).split('\n')).toEqual([
      'flowchart TD',
      '  start(["<b>triage</b><br/>every 5m"])',
      '  start --> s0',
      '  s0["<b>incident</b><br/>incident.create<br/>each result<br/>throttle {{result.src_ip}} per 1h"]',
      '  s0 --> w1',
      '  s0 -.->|error| failed',
      '  w1{"when {{gt results.length 10}}"}',
      '  w1 -->|true| s1',
      '  w1 -->|false: skipped| s2',
      '  s1["<b>page</b><br/>webhook.send<br/>once"]',
      '  s1 --> s2',
      '  s1 -.->|error: continue| s2',
      '  s2["<b>contain</b><br/>job.run<br/>once"]',
      '  s2 --> done',
      '  s2 -.->|error| failed',
      '  j0[["job contain-host"]]',
      '  s2 -.->|starts, does not wait| j0',
      '  done(["completed"])',
      '  failed(["run fails"])',
      '',
    ]);
  });

  it('keeps hostile text inside its label: no quote, angle bracket or line break survives', () => {
    for (const [name, value] of HOSTILE) {
      // Not every hostile value is a valid template; the graph must stay well-formed whatever it is given.
      const chain = { name: value, steps: [{ id: 'a', action: 'job.run', mode: 'once', onError: 'fail', when: value, connection: value, host: value, with: { job: value }, throttle: { key: value, window: '1h' } }] } as unknown as Chain;
      for (const line of chainGraph(chain).trimEnd().split('\n')) {
        const labels = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1].replace(/<\/?b>|<br\/>/g, ''));
        for (const l of labels) expect(l, name).not.toMatch(/[<>\r\n]/);
        expect(line.split('"').length % 2, `${name}: ${line}`).toBe(1);
      }
    }
  });

  it('prints the graph of a job of the jobs directory by its name', async () => {
    const jobs = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-graph-jobs-'));
    fs.writeFileSync(path.join(jobs, 'contain.json'), JSON.stringify({ name: 'contain-host', steps: [{ id: 'log', action: 'events.log' }] }));
    const { stdout } = await exec(process.execPath, [CLI, 'graph', 'contain-host'], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir, RIPOSTE_JOBS_DIR: jobs } });
    expect(stdout).toContain('s0["<b>log</b><br/>events.log<br/>once"]');
  });

  it('prints the graph of a chain file from the command line', async () => {
    const out = await riposte(['graph', path.join(ROOT, 'examples', 'ssh-bruteforce.json')]);
    expect(out.code).toBe(0);
    expect(out.stdout.startsWith('flowchart TD\n  start(["<b>ssh-bruteforce</b>')).toBe(true);
    expect(out.stdout).toContain('s3["<b>notify</b><br/>webhook.send<br/>once"]');
  });
});

describe('flags', () => {
  it('refuses numbers that are not whole, in range numbers, naming the flag', () => {
    expect(intFlag('--limit', '50', { min: 1, max: 100 })).toBe(50);
    for (const bad of ['abc', '-5', '0', '1.5', '1e3', '', ' ', '101', '9007199254740993']) {
      expect(() => intFlag('--limit', bad, { min: 1, max: 100 }), bad).toThrow(`--limit ${JSON.stringify(bad)}: write a whole number from 1 to 100`);
    }
  });

  it('reads --since as a duration back from now or an ISO time', () => {
    expect(sinceFlag('1h', Date.parse('2026-05-01T10:00:00Z')).toISOString()).toBe('2026-05-01T09:00:00.000Z');
    expect(sinceFlag('2026-04-30T08:00:00Z').toISOString()).toBe('2026-04-30T08:00:00.000Z');
    expect(() => sinceFlag('soon')).toThrow('--since "soon"');
  });

  it('builds a visibility query only from checked values', () => {
    expect(runsQuery({ job: 'ssh-bruteforce', status: 'cancelled', since: new Date('2026-05-01T00:00:00Z') })).toBe(
      "WorkflowType = 'runChain' AND RiposteJob = 'ssh-bruteforce' AND (ExecutionStatus = 'Canceled' OR ExecutionStatus = 'Terminated') AND StartTime >= '2026-05-01T00:00:00.000Z'",
    );
    for (const [name, value] of HOSTILE) {
      if (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(value)) expect(runsQuery({ job: value }), name).toContain(`RiposteJob = '${value}'`);
      else expect(() => runsQuery({ job: value }), name).toThrow('not a job name');
    }
    expect(() => runsQuery({ status: 'constructor' })).toThrow('--status "constructor"');
  });

  it('the store commands refuse --limit abc and --limit -5 with a message, not a stack trace', async () => {
    for (const args of [['incidents', 'list', '--limit', 'abc'], ['incidents', 'list', '--limit', '-5'], ['docs', 'mitre', '--limit', '-5']]) {
      const out = await riposte(args);
      expect(out.code).toBe(1);
      expect(out.stderr.trim()).toBe(`--limit ${JSON.stringify(args[3])}: write a whole number from 1 to 100000`);
    }
  });
});

describe('where a retry starts', () => {
  const chain = assertValidChain({ name: 'r', steps: ['a', 'b', 'c', 'd'].map((id) => ({ id, action: 'events.log' })) });
  const rec = (status: StepRecord['status']): StepRecord => ({ status, action: 'events.log', mode: 'once', output: null });
  it('is the first failed step, else the first that did not end, else --from', () => {
    expect(restartStep(chain, { a: rec('completed'), b: rec('failed'), c: rec('failed') }, undefined, 'r-1')).toBe('b');
    expect(restartStep(chain, { a: rec('completed'), b: rec('skipped') }, undefined, 'r-1')).toBe('c');
    expect(restartStep(chain, { a: rec('completed'), b: rec('failed') }, 'a', 'r-1')).toBe('a');
    expect(restartStep(chain, { a: rec('completed'), b: rec('failed') }, 'c', 'r-1')).toBe('c');
  });
  it('refuses a step that does not exist, or one after a step that never ran', () => {
    expect(() => restartStep(chain, { a: rec('completed') }, 'd', 'r-1')).toThrow('--from d: step "b" before it did not run in r-1, so there is nothing to carry over; retry from "b" or earlier');
    expect(() => restartStep(chain, {}, 'x', 'r-1')).toThrow('--from x: chain "r" has no such step; its steps: a, b, c, d');
    const done = Object.fromEntries(['a', 'b', 'c', 'd'].map((id) => [id, rec('completed')]));
    expect(() => restartStep(chain, done, undefined, 'r-1')).toThrow('every step ended and none failed');
  });
});

describe('riposte actions', () => {
  it('lists every action of the catalogue', async () => {
    const out = await riposte(['actions', 'list', '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).map((a: { action: string }) => a.action)).toEqual(ACTION_NAMES);
    const text = await riposte(['actions', 'list']);
    expect(text.stdout.split('\n').filter(Boolean)).toHaveLength(ACTION_NAMES.length);
  });

  it('shows an action with its parameters, types, defaults and outputs, generated from its schema', async () => {
    const out = await riposte(['actions', 'show', 'email.send', '--json']);
    const info = JSON.parse(out.stdout);
    expect(info).toMatchObject({ action: 'email.send', connection: 'required', connectionTypes: ['smtp'], outputs: [...CATALOGUE['email.send'].output] });
    const by = Object.fromEntries(info.parameters.map((p: { name: string }) => [p.name, p]));
    expect(by.to).toEqual({ name: 'to', type: 'string | string[]', required: true });
    expect(by.html).toEqual({ name: 'html', type: 'boolean', required: false, default: false });
    expect(by.format).toMatchObject({ type: '"custom" | "summary"', default: 'custom' });
    const text = await riposte(['actions', 'show', 'email.send']);
    expect(text.stdout).toContain('  connection: required (smtp)');
    expect(text.stdout).toMatch(/^ {4}to\s+string \| string\[\]\s+\(required\)$/m);
    const unknown = await riposte(['actions', 'show', 'email.sendd']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(`unknown action "email.sendd"; known actions: ${ACTION_NAMES.join(', ')}`);
  });

  it('lists a parameter for every key of every action schema', () => {
    for (const action of ACTION_NAMES) {
      const shape = (CATALOGUE[action].params as unknown as { shape?: Record<string, unknown> }).shape;
      if (shape) expect(parametersOf(action).map((p) => p.name), action).toEqual(Object.keys(shape));
    }
  });
});

describe('riposte --version', () => {
  it("prints the package's version", async () => {
    const out = await riposte(['--version']);
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });
});
