// The Prometheus endpoint carries the SDK's metrics and riposte's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../worker/temporal-server';
import { quietRuntime } from '../worker/worker';
import { startHarness, startPeer, type Harness } from './helpers';

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let address: string;

beforeAll(async () => {
  address = `127.0.0.1:${await freePort()}`;
  quietRuntime({ metricsAddress: address });
  peer = await startPeer((_req, n) => (n === 1 ? { status: 503, body: 'busy' } : { status: 200, body: {} }));
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

describe('metrics', () => {
  it('counts runs, steps and action executions by outcome, times actions, and exposes the SDK metrics', async () => {
    const report = await h.run({
      name: 'metered',
      steps: [
        { id: 'incident', action: 'incident.create', with: { title: 't' } },
        { id: 'skip', action: 'events.log', when: 'false' },
        { id: 'hook', action: 'webhook.send', retry: { initialInterval: '100ms' }, with: { protocol: 'http', host: '127.0.0.1', port: peer.port } },
      ],
    });
    expect(report.status).toBe('completed');
    const text = await (await fetch(`http://${address}/metrics`)).text();
    const line = (name: string, ...labels: string[]) => text.split('\n').find((l) => l.startsWith(name) && labels.every((x) => l.includes(x)));
    expect(line('riposte_runs_total', 'job="metered"', 'outcome="completed"')).toMatch(/ 1$/);
    expect(line('riposte_steps_total', 'action="events.log"', 'status="skipped"')).toBeDefined();
    expect(line('riposte_action_executions_total', 'action="webhook.send"', 'outcome="PeerUnavailableError"')).toMatch(/ 1$/);
    expect(line('riposte_action_executions_total', 'action="webhook.send"', 'outcome="completed"')).toMatch(/ 1$/);
    expect(line('riposte_action_latency_count', 'action="incident.create"')).toBeDefined();
    expect(text).toMatch(/^temporal_workflow_completed_total/m);
    expect(text).toMatch(/^temporal_activity_execution_latency/m);
  });
});
