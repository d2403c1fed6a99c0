// events.log appends JSON lines to job_scheduler.log in the data directory, whole lines even under concurrent runs.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function logLines(): Record<string, unknown>[] {
  const text = fs.readFileSync(path.join(h.dataDir, 'job_scheduler.log'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('events.log', () => {
  it('appends one JSON line per result naming the job, run, step and result', async () => {
    const report = await h.run({ name: 'log-job', steps: [{ id: 'log', action: 'events.log', with: { message: 'seen {{results.length}}' } }] }, [{ host: 'web-1' }, { host: 'web-2', note: 'two\nlines' }]);
    expect(report.steps.log.output).toEqual({ file: path.join(h.dataDir, 'job_scheduler.log'), lines: 2 });
    expect(logLines()).toEqual([
      expect.objectContaining({ level: 'INFO', job: 'log-job', run_id: report.runId, step_id: 'log', result_index: 0, message: 'seen 2', result: { host: 'web-1' } }),
      expect.objectContaining({ result_index: 1, result: { host: 'web-2', note: 'two\nlines' } }),
    ]);
  });

  it('keeps every line whole when many runs append large batches at once', async () => {
    fs.rmSync(path.join(h.dataDir, 'job_scheduler.log'), { force: true });
    const chain = { name: 'log-many', steps: [{ id: 'log', action: 'events.log' }] };
    const runs = 16;
    const perRun = 40;
    const reports = await Promise.all(
      Array.from({ length: runs }, (_, r) => h.run(chain, Array.from({ length: perRun }, (_, i) => ({ run: r, i, payload: `${r}-${i}-`.padEnd(4_000, String.fromCharCode(97 + (r % 26))) })))),
    );
    expect(reports.every((report) => report.status === 'completed')).toBe(true);
    const lines = logLines();
    expect(lines).toHaveLength(runs * perRun);
    for (const report of reports) {
      const own = lines.filter((l) => l.run_id === report.runId);
      expect(own.map((l) => l.result_index)).toEqual(Array.from({ length: perRun }, (_, i) => i));
      // One write per batch: a run's lines sit together in the file.
      const at = lines.flatMap((l, k) => (l.run_id === report.runId ? [k] : []));
      expect(at[at.length - 1] - at[0]).toBe(perRun - 1);
    }
  });
});
