// The floor for any Temporal-based engine: the same three activities, hand-written, no interpreter.
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { ActionActivities } from '../../dsl';

const options = { startToCloseTimeout: '30s', retry: { maximumAttempts: 8, initialInterval: '1s' } } as const;
const remote = proxyActivities<ActionActivities>(options);
const local = proxyLocalActivities<ActionActivities>(options);

/**
 * incident.create → mitre.tag → webhook.send with fixed parameters; the actions named in `local`
 * run as local activities (the baseline with the Temporal features riposte uses).
 */
export async function baseline(input: { port: number; result: Record<string, unknown>; local?: string[] }): Promise<void> {
  const info = workflowInfo();
  const runsLocally = new Set(input.local ?? []);
  const act = new Proxy(remote, { get: (target, name: string) => (runsLocally.has(name) ? local : target)[name as keyof ActionActivities] });
  const common = { index: null, job: { name: 'bench-baseline' }, run: { id: info.workflowId, startedAt: info.startTime.toISOString() } };
  const incident = await act['incident.create']({
    ...common,
    action: 'incident.create',
    stepId: 'incident',
    idempotencyKey: `${info.workflowId}/incident/once`,
    result: input.result,
    params: { title: `Brute force from ${String(input.result.src_ip)}`, severity: 'high' },
  });
  await act['mitre.tag']({
    ...common,
    action: 'mitre.tag',
    stepId: 'tag',
    idempotencyKey: `${info.workflowId}/tag/once`,
    result: input.result,
    incidentId: incident.incident_id,
    params: { techniques: ['T1110.001'], severity: 'high' },
  });
  await act['webhook.send']({
    ...common,
    action: 'webhook.send',
    stepId: 'hook',
    idempotencyKey: `${info.workflowId}/hook/once`,
    params: { protocol: 'http', host: '127.0.0.1', port: input.port, method: 'POST', path: '/alert', body: { incident: incident.incident_id } },
  });
}
