// The floor for any Temporal-based engine: the same three activities, hand-written, no interpreter.
import { defineQuery, metricMeter, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ActionActivities } from '../../dsl';
import { SEARCH_ATTRIBUTES } from '../../dsl/run';

const options = { startToCloseTimeout: '30s', retry: { maximumAttempts: 8, initialInterval: '1s' } } as const;
const remote = proxyActivities<ActionActivities>(options);
const local = proxyLocalActivities<ActionActivities>(options);

/** What the baseline's `status` query answers when it is visible: the step it is at. */
const statusQuery = defineQuery<{ currentStep: string | null }>('status');

/**
 * incident.create → mitre.tag → webhook.send with fixed parameters; the actions named in `local`
 * run as local activities (the baseline with the Temporal features riposte uses). With `visible`
 * it also uses the other Temporal features a riposte run does: it upserts the incident's search
 * attributes after incident.create (its start carries the start ones), counts the same step and
 * run metrics, and answers a `status` query.
 */
export async function baseline(input: { port: number; result: Record<string, unknown>; local?: string[]; visible?: boolean }): Promise<void> {
  const info = workflowInfo();
  const runsLocally = new Set(input.local ?? []);
  const act = new Proxy(remote, { get: (target, name: string) => (runsLocally.has(name) ? local : target)[name as keyof ActionActivities] });
  const common = { index: null, job: { name: 'bench-baseline' }, run: { id: info.workflowId, startedAt: info.startTime.toISOString() } };
  let currentStep: string | null = 'incident';
  const steps = input.visible ? metricMeter.createCounter('riposte_steps', '', 'finished steps by chain, action and status') : undefined;
  const runs = input.visible ? metricMeter.createCounter('riposte_runs', '', 'finished runs by chain and outcome') : undefined;
  const done = (action: string) => steps?.add(1, { chain: 'bench-baseline', action, status: 'completed' });
  if (input.visible) setHandler(statusQuery, () => ({ currentStep }));
  const incident = await act['incident.create']({
    ...common,
    action: 'incident.create',
    stepId: 'incident',
    idempotencyKey: `${info.workflowId}/incident/once`,
    result: input.result,
    params: { title: `Brute force from ${String(input.result.src_ip)}`, severity: 'high' },
  });
  done('incident.create');
  if (input.visible) {
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.incidentIds, value: [incident.incident_id] },
      { key: SEARCH_ATTRIBUTES.severity, value: 'high' },
    ]);
  }
  currentStep = 'tag';
  await act['mitre.tag']({
    ...common,
    action: 'mitre.tag',
    stepId: 'tag',
    idempotencyKey: `${info.workflowId}/tag/once`,
    result: input.result,
    incidentId: incident.incident_id,
    params: { techniques: ['T1110.001'], severity: 'high' },
  });
  done('mitre.tag');
  currentStep = 'hook';
  await act['webhook.send']({
    ...common,
    action: 'webhook.send',
    stepId: 'hook',
    idempotencyKey: `${info.workflowId}/hook/once`,
    params: { protocol: 'http', host: '127.0.0.1', port: input.port, method: 'POST', path: '/alert', body: { incident: incident.incident_id } },
  });
  done('webhook.send');
  currentStep = null;
  runs?.add(1, { chain: 'bench-baseline', outcome: 'completed' });
}
