// The floor for any Temporal-based engine: the same three activities, hand-written, no interpreter.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ActionActivities } from '../../dsl';

const act = proxyActivities<ActionActivities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 8, initialInterval: '1s' } });

/** incident.create → mitre.tag → webhook.send with fixed parameters. */
export async function baseline(input: { port: number; result: Record<string, unknown> }): Promise<void> {
  const info = workflowInfo();
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
