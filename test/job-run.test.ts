// job.run on the dev server: jobs of the jobs directory run as child runs, waited for or not, with depth and cycle guards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE, validateChain, type RunInput, type RunOutcome } from '../dsl';
import { installationContext, loadJobs } from '../config/jobs';
import { startHarness, type Harness } from './helpers';

let h: Harness;

function writeJobs(dir: string, jobs: object[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const job of jobs) fs.writeFileSync(path.join(dir, `${(job as { name: string }).name}.json`), JSON.stringify(job, null, 2));
}

beforeAll(async () => {
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
  });
  writeJobs(h.config.jobsDir, [
    {
      name: 'enrich-host',
      params: { tag: 'default' },
      steps: [
        {
          id: 'index',
          action: 'events.index',
          with: { index: 'enriched', document: { tag: '{{params.tag}}', host: '{{result.host}}', count: '{{json results.length}}', trigger: '{{trigger.type}}', parent: '{{trigger.parent.job}}', depth: '{{json trigger.depth}}' } },
        },
      ],
    },
    { name: 'broken-child', steps: [{ id: 'bad', action: 'events.index', with: { index: '{{params.index}}' } }], params: { index: 'Not An Index' } },
    {
      name: 'deep',
      params: { next: 'deep' },
      steps: [
        { id: 'mark', action: 'events.index', with: { index: 'depth-log', document: { depth: '{{json trigger.depth}}' } } },
        { id: 'again', action: 'job.run', with: { job: '{{params.next}}' } },
      ],
    },
  ]);
});
afterAll(async () => {
  await h?.close();
});

const parent = (withParams: Record<string, unknown>, step: Record<string, unknown> = {}) => ({
  name: 'parent-job',
  steps: [{ id: 'child', action: 'job.run', ...step, with: withParams }],
});

describe('job.run', () => {
  it('runs the job as a child run with the given params and waits for its outcome', async () => {
    const report = await h.run(parent({ job: 'enrich-host', params: { tag: 'from-parent' } }), [{ host: 'web-1' }]);
    expect(report.status).toBe('completed');
    expect(report.steps.child.output).toEqual({ runId: `${report.runId}/job/child/once`, status: 'completed', steps: { index: 'completed' } });
    expect(await h.store.listDocuments('enriched')).toEqual([expect.objectContaining({ tag: 'from-parent', host: '', count: 0, trigger: 'job', parent: 'parent-job', depth: 1 })]);
    // The parent's generation travels on: the child run records no patch marker either.
    const child = await h.client.workflow.getHandle(`${report.runId}/job/child/once`).fetchHistory();
    const input = h.client.options.loadedDataConverter.payloadConverter.fromPayload<RunInput>(child.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0]);
    expect(input.engine).toBe(ENGINE);
    expect(child.events!.filter((e) => e.markerRecordedEventAttributes && e.markerRecordedEventAttributes.markerName !== 'core_local_activity')).toEqual([]);
  });

  it('hands each result to its own child run with passResults in each mode', async () => {
    const report = await h.run(parent({ job: 'enrich-host', passResults: true, params: { tag: 'per-host' } }, { mode: 'each' }), [{ host: 'web-2' }, { host: 'web-3' }]);
    expect(report.status).toBe('completed');
    expect(report.steps.child.outputs?.map((o) => (o as { runId: string }).runId)).toEqual([`${report.runId}/job/child/0`, `${report.runId}/job/child/1`]);
    const docs = (await h.store.listDocuments('enriched')).filter((d) => d.tag === 'per-host');
    expect(docs.map((d) => [d.host, d.count]).sort()).toEqual([
      ['web-2', 1],
      ['web-3', 1],
    ]);
  });

  it('starts the job without waiting when wait is false, and the job runs on to completion', async () => {
    const report = await h.run(parent({ job: 'enrich-host', wait: false, params: { tag: 'no-wait' } }));
    expect(report.status).toBe('completed');
    const runId = `${report.runId}/job/child/once`;
    expect(report.steps.child.output).toEqual({ runId, status: 'running' });
    const outcome = (await h.client.workflow.getHandle(runId).result()) as RunOutcome;
    expect(outcome.steps.index.status).toBe('completed');
    expect((await h.store.listDocuments('enriched')).filter((d) => d.tag === 'no-wait')).toHaveLength(1);
  });

  it("fails the step with the job's own failure when the job fails", async () => {
    const report = await h.run(parent({ job: 'broken-child' }));
    expect(report.status).toBe('failed');
    expect(report.steps.child.error).toContain(`job "broken-child" (run ${report.runId}/job/child/once) failed: step "bad" (events.index) failed: steps[0].with.index: use lower-case letters`);
  });

  it('fails clearly when a job name built from tokens names no job', async () => {
    const report = await h.run(parent({ job: '{{params.which}}' }), [], { params: { which: 'missing-job' } });
    expect(report.status).toBe('failed');
    expect(report.steps.child.error).toBe(`step "child" (job.run): no job "missing-job" in ${h.config.jobsDir}; jobs: broken-child, deep, enrich-host`);
  });

  it('stops a job that starts itself through a templated name at the depth limit', async () => {
    const deep = loadJobs(h.config).jobs.get('deep')!.chain;
    const report = await h.run(deep);
    expect(report.status).toBe('failed');
    expect(report.error).toContain('job "deep" would run 9 levels deep; job.run nests at most 8 levels');
    // The first run is not a child and has no depth; its eight nested runs count 1 to 8.
    const depths = (await h.store.listDocuments('depth-log')).map((d) => d.depth);
    expect(depths).toHaveLength(9);
    expect(depths.filter((d) => typeof d === 'number').sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses at validation a job that can reach itself, an unknown job and a chain that starts itself', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-jobs-'));
    writeJobs(dir, [
      { name: 'a', steps: [{ id: 'to-b', action: 'job.run', with: { job: 'b' } }] },
      { name: 'b', steps: [{ id: 'to-c', action: 'job.run', with: { job: 'c' } }] },
      { name: 'c', steps: [{ id: 'to-a', action: 'job.run', with: { job: 'a' } }] },
      { name: 'leaf', steps: [{ id: 'log', action: 'events.log' }] },
      { name: 'caller', steps: [{ id: 'to-leaf', action: 'job.run', with: { job: 'leaf' } }] },
    ]);
    const config = { ...h.config, jobsDir: dir };
    const catalog = loadJobs(config);
    expect([...catalog.jobs.keys()].sort()).toEqual(['caller', 'leaf']);
    expect(catalog.invalid.find((i) => i.file.endsWith('a.json'))?.problems).toEqual([
      { path: 'steps[0].with.job', message: 'job "b" leads back to this chain (a → b → c → a); a chain cannot reach itself through job.run' },
    ]);
    expect(catalog.invalid).toHaveLength(3);

    const context = installationContext(config);
    const problems = (chain: object) => {
      const v = validateChain(chain, context);
      return v.ok ? [] : v.problems;
    };
    expect(problems({ name: 'leaf', steps: [{ id: 'back', action: 'job.run', with: { job: 'caller' } }] })).toEqual([
      { path: 'steps[0].with.job', message: 'job "caller" leads back to this chain (leaf → caller → leaf); a chain cannot reach itself through job.run' },
    ]);
    expect(problems({ name: 'x', steps: [{ id: 'j', action: 'job.run', with: { job: 'nope' } }] })).toEqual([
      { path: 'steps[0].with.job', message: 'unknown job "nope"; jobs in the jobs directory: a, b, c, caller, leaf' },
    ]);
    expect(validateChain({ name: 'self', steps: [{ id: 'j', action: 'job.run', with: { job: 'self' } }] })).toMatchObject({
      ok: false,
      problems: [{ path: 'steps[0].with.job', message: 'job "self" is this chain itself; a job cannot start itself through job.run' }],
    });
  });
});
