// The riposte command line as a user runs it: exit codes and exact output.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startHarness, startPeer, type Harness } from './helpers';
import { ACTION_NAMES } from '../dsl';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-cli-'));

async function riposte(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function file(name: string, content: unknown): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

describe('riposte validate', () => {
  it('exits 0 for valid chains', async () => {
    const out = await riposte(['validate', path.join(ROOT, 'examples', 'ssh-bruteforce.json')]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('');
  });

  it('prints one FILE:LINE:COLUMN: PATH: message line per problem, at the JSON node the path names, and exits 1', async () => {
    const bad = file('bad.json', {
      name: 'bad',
      steps: [
        { id: 'incident', action: 'incident.create', with: { title: '' } },
        { id: 'incident', action: 'mitre.tag', with: { techniques: ['T1110', 'X1'] } },
        { id: 'mail', action: 'email.sendd', with: {} },
        { id: 'hook', action: 'webhook.send', connection: 'nowhere', with: { body: { x: '{{steps.later.status}}' } } },
        { id: 'later', action: 'events.log' },
      ],
    });
    const broken = file('broken.json', '{ "name": "x", "steps": [ }');
    const out = await riposte(['validate', bad, broken]);
    expect(out.code).toBe(1);
    expect(out.stdout.trim().split('\n')).toEqual([
      `${bad}:8:18: steps[0].with.title: give the incident a title`,
      `${bad}:12:13: steps[1].id: duplicate step id "incident" (first used by steps[0]); give each step its own id`,
      `${bad}:17:11: steps[1].with.techniques[1]: not a MITRE ATT&CK technique id; write T1234 or T1234.001`,
      `${bad}:23:17: steps[2].action: unknown action "email.sendd"; known actions: ${ACTION_NAMES.join(', ')}`,
      `${bad}:29:21: steps[3].connection: unknown connection "nowhere"; configured: none (add it under "connections" in riposte.config.json)`,
      `${bad}:32:16: steps[3].with.body.x: token "steps.later.status" (line 1, column 3): step "later" runs later (steps[4]); only earlier steps' outputs exist`,
      `${broken}:1:27: (root): malformed JSON at line 1, column 27: value expected near "}"`,
    ]);
    // The positions are the file's own: line 8 of bad.json is the empty title.
    expect(fs.readFileSync(bad, 'utf8').split('\n')[7].slice(17)).toBe('""');
  });

  it('prints the same problems as JSON with --json: file, path, line, column, message', async () => {
    const bad = file('bad-json.json', '{\n  "name": "bad",\n  "steps": [\n    { "id": "mail", "action": "email.send", "connection": "smtp", "with": { "to": "not-an-address" } }\n  ]\n}\n');
    const out = await riposte(['validate', '--json', bad, path.join(dir, 'missing.json')]);
    expect(out.code).toBe(1);
    const problems = JSON.parse(out.stdout) as { file: string; path: string; line: number; column: number; message: string }[];
    // Column 83 is the value of "to", 75 the "with" object that lacks a subject, 59 the connection name.
    expect(problems.map((p) => [p.file, p.path, p.line, p.column])).toEqual([
      [bad, 'steps[0].with.to', 4, 83],
      [bad, 'steps[0].with.subject', 4, 75],
      [bad, 'steps[0].connection', 4, 59],
      [path.join(dir, 'missing.json'), '', 0, 0],
    ]);
    expect(problems[3].message).toBe('cannot read: ENOENT');
    const text = await riposte(['validate', bad]);
    expect(text.stdout.split('\n')[0]).toBe(`${bad}:4:83: steps[0].with.to: not an e-mail address`);
  });

  it('points a missing field at the object that lacks it', async () => {
    const bad = file('no-title.json', '{\n  "name": "no-title",\n  "steps": [\n    { "id": "incident", "action": "incident.create",\n      "with": { "severity": "high" } }\n  ]\n}\n');
    const out = await riposte(['validate', '--json', bad]);
    const [problem] = JSON.parse(out.stdout) as { path: string; line: number; column: number }[];
    expect(problem).toMatchObject({ path: 'steps[0].with.title', line: 5, column: 15 });
  });
});

describe('riposte schema', () => {
  it('prints the JSON Schema that is committed as schema/chain.schema.json', async () => {
    const out = await riposte(['schema']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'chain.schema.json'), 'utf8')));
  });

  it('prints the riposte.config.json JSON Schema committed as schema/config.schema.json with --config', async () => {
    const out = await riposte(['schema', '--config']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'config.schema.json'), 'utf8')));
  });
});

describe('riposte test (dry run)', () => {
  it('renders every step and sends nothing', async () => {
    const out = await riposte(['test', path.join(ROOT, 'examples', 'ssh-bruteforce.json'), '--results', path.join(ROOT, 'examples', 'ssh-bruteforce.results.json'), '--param', 'hookPort=9', '--json']);
    expect(out.code).toBe(0);
    const { steps } = JSON.parse(out.stdout);
    expect(steps.incident.executions.map((e: { sends: { title: string } }) => e.sends.title)).toEqual(['SSH brute force from 203.0.113.7', 'SSH brute force from 198.51.100.23']);
    expect(steps.tag.executions[1].sends.incident_id).toBe('<incident.incident_id>');
    expect(steps.notify.executions[0].sends).toMatchObject({ port: 9, path: '/soc/alerts', body: { hits: 2 } });
  });

  it('renders against an Insight given with --insight, and names each bad Insight field', async () => {
    const chain = file('insight-dry.json', {
      name: 'insight-dry',
      on: ['insight.on_demand'],
      steps: [{ id: 'hook', action: 'webhook.send', with: { host: 'soar.example.org', body: { insight: '{{trigger.insight.readableId}}', entity: '{{result.entity.value}}', kind: '{{trigger.type}}', tactic: '{{trigger.insightView.tactics.[0].label}}' } } }],
    });
    const insight = path.join(ROOT, 'examples', 'events', 'insight-phishing.json');
    const expected = JSON.parse(fs.readFileSync(insight, 'utf8')) as { readableId: string; entity: { value: string } };
    const out = await riposte(['test', chain, '--insight', insight, '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).steps.hook.executions[0].sends.body).toEqual({ insight: expected.readableId, entity: expected.entity.value, kind: 'insight.on_demand', tactic: 'Initial Access (TA0001)' });
    const bad = await riposte(['test', chain, '--insight', file('bad-insight.json', { id: 'x' })]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad-insight.json: insight.entity: missing; give an object');
    expect(bad.stderr).toContain('bad-insight.json: insight.severity: missing; give a string');
  });
});

describe('riposte run, incidents and docs', () => {
  let h: Harness;
  let peer: Awaited<ReturnType<typeof startPeer>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    peer = await startPeer(() => ({ status: 200, body: {} }));
    h = await startHarness();
    env = { TEMPORAL_ADDRESS: inject('temporalAddress'), RIPOSTE_TASK_QUEUE: h.taskQueue, RIPOSTE_STORE_URL: `sqlite:${path.join(h.dataDir, 'store.db')}` };
  });
  afterAll(async () => {
    await h?.close();
    await peer?.close();
  });

  it('runs a chain with --wait --json in the shape of the contract, and reads the store', async () => {
    const results = file('results.json', [{ src_ip: '192.0.2.1', host: 'web-1', user: 'root' }, { src_ip: '192.0.2.2', host: 'web-2', user: 'admin' }]);
    const out = await riposte(['run', path.join(ROOT, 'examples', 'ssh-bruteforce.json'), '--results', results, '--param', `hookPort=${peer.port}`, '--wait', '--json'], env);
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.status).toBe('completed');
    expect(Object.keys(report.steps)).toEqual(['incident', 'tag', 'log', 'notify']);
    expect(report.steps.incident.outputs).toHaveLength(2);
    expect(report.steps.log).toEqual({ status: 'completed', output: expect.objectContaining({ lines: 2 }) });
    const incidents = JSON.parse((await riposte(['incidents', 'list', '--json'], env)).stdout);
    expect(incidents.map((i: { title: string }) => i.title).sort()).toEqual(['SSH brute force from 192.0.2.1', 'SSH brute force from 192.0.2.2']);
    const docs = JSON.parse((await riposte(['docs', 'mitre', '--json'], env)).stdout);
    expect(new Set(docs.map((d: { incident_id: string }) => d.incident_id))).toEqual(new Set(report.steps.incident.outputs.map((o: { incident_id: string }) => o.incident_id)));
  });

  it('runs a results file over 512 KiB, keeping the results in the store by reference', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ host: `web-${i}`, note: 'x'.repeat(200) }));
    const results = file('large-results.json', rows);
    expect(fs.statSync(results).size).toBeGreaterThan(512 * 1024);
    const chain = file('large.json', { name: 'large-from-cli', steps: [{ id: 'log', action: 'events.log' }] });
    const out = await riposte(['run', chain, '--results', results, '--wait', '--json'], env);
    expect(out.stderr).not.toContain('no store is configured');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).steps.log).toEqual({ status: 'completed', output: expect.objectContaining({ lines: 3_000 }) });
  });

  it('exits 1 and prints the failed step when a run fails', async () => {
    const chain = file('failing.json', { name: 'failing', steps: [{ id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: 1 }, retry: { maxAttempts: 1 } }] });
    const out = await riposte(['run', chain, '--wait'], env);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^run failing-[\w-]+: failed$/m);
    expect(out.stdout).toContain('hook  webhook.send      failed: step "hook" (webhook.send): POST http://127.0.0.1:1: ECONNREFUSED');
  });
});
