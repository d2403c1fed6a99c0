// Large result sets: per-result fan-out through child workflows, and results that ride by reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function largestHistory(workflowId: string): Promise<{ executions: number; largest: number }> {
  let executions = 0;
  let largest = 0;
  for await (const wf of h.client.workflow.list({ query: `WorkflowId = "${workflowId}" OR WorkflowId STARTS_WITH "${workflowId}/"` })) {
    executions++;
    largest = Math.max(largest, wf.historyLength);
  }
  return { executions, largest };
}

const chain = (name: string) => ({
  name,
  steps: [
    { id: 'incident', action: 'incident.create', mode: 'each', with: { title: 'host {{result.host}}' } },
    { id: 'log', action: 'events.log', with: { message: '{{results.length}} hosts' } },
    { id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1078'] } },
  ],
});

describe('fan-out', () => {
  it('runs an each step over 1,500 results through children, keeping per-result hand-off and every history small', async () => {
    const rows = Array.from({ length: 1_500 }, (_, i) => ({ host: `h-${i}` }));
    const workflowId = `fanout-${Date.now()}`;
    const report = await h.run(chain('fanout'), rows, { workflowId });
    expect(report.status).toBe('completed');
    const incidents = report.steps.incident.outputs as { incident_id: string }[];
    expect(incidents).toHaveLength(1_500);
    expect(new Set(incidents.map((o) => o.incident_id)).size).toBe(1_500);
    expect(report.steps.log.output).toMatchObject({ lines: 1_500 });
    const tags = report.steps.tag.outputs as { incident_id: string }[];
    expect(tags.map((t) => t.incident_id)).toEqual(incidents.map((o) => o.incident_id));
    const stored = await h.store.listIncidents({ limit: 5_000 });
    const byTitle = new Map(stored.map((i) => [i.title, i.incident_id]));
    expect(byTitle.get('host h-1234')).toBe(incidents[1234].incident_id);
    const { executions, largest } = await largestHistory(workflowId);
    expect(executions).toBeGreaterThan(1);
    expect(largest).toBeLessThan(10_240);
  });

  it('keeps results larger than a payload in the store and passes them by reference', async () => {
    const pad = 'x'.repeat(2_000);
    const rows = Array.from({ length: 400 }, (_, i) => ({ host: `big-${i}`, pad }));
    const workflowId = `byref-${Date.now()}`;
    const report = await h.run(chain('byref'), rows, { workflowId });
    expect(report.status).toBe('completed');
    expect((report.steps.incident.outputs as unknown[]).length).toBe(400);
    expect(report.steps.log.output).toMatchObject({ lines: 400 });
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    const inputSize = started.input!.payloads!.reduce((n, p) => n + (p.data?.length ?? 0), 0);
    expect(inputSize).toBeLessThan(100_000);
  });

  it('runs a 50 MB result set: the rows stay in the store, the run gets their count and the log step every row', async () => {
    const pad = 'y'.repeat(2_000);
    const rows = Array.from({ length: 25_000 }, (_, i) => ({ host: `bulk-${i}`, src_ip: `10.1.${(i >> 8) & 255}.${i & 255}`, pad }));
    expect(JSON.stringify(rows).length).toBeGreaterThan(50_000_000);
    const workflowId = `bulk-${Date.now()}`;
    const report = await h.run(
      {
        name: 'bulk',
        steps: [
          { id: 'incident', action: 'incident.create', with: { title: '{{results.length}} hosts, first {{result.host}}' } },
          { id: 'log', action: 'events.log' },
        ],
      },
      rows,
      { workflowId },
    );
    expect(report.status).toBe('completed');
    expect(report.steps.log.output).toMatchObject({ lines: 25_000 });
    const [incident] = await h.store.listIncidents({ limit: 5_000 }).then((all) => all.filter((i) => i.incident_id === (report.steps.incident.output as { incident_id: string }).incident_id));
    expect(incident.title).toBe('25000 hosts, first bulk-0');
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    expect(started.input!.payloads!.reduce((n, p) => n + (p.data?.length ?? 0), 0)).toBeLessThan(100_000);
  }, 180_000);
});
