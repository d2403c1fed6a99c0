// incident.create: writes one incident per run, step and result into the store's incidents index.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { originOf, pick, withStore, type ActivityDeps } from '../shared/deps';
import type { NewIncident } from '../../store/store';

/** The incident an execution creates, as the store keeps it (the store gives it its id). */
export function incidentOf(request: ActionRequest<'incident.create'>): NewIncident {
  const p = request.params;
  const index = p.indexSuffix ? `incidents-${p.indexSuffix}` : 'incidents';
  const drilldown =
    p.drilldown?.type === 'search'
      ? { type: 'search', text: p.drilldown.text, from: p.drilldown.from ?? request.job.timeframe?.from ?? null, to: p.drilldown.to ?? request.job.timeframe?.to ?? null }
      : p.drilldown ?? null;
  const document = {
    workflow: p.workflow ?? null,
    description: p.description ?? '',
    drilldown,
    fields: p.fields ?? {},
    additional_fields: p.additionalFields ?? {},
    result_fields: pick(request.result, p.resultFields) ?? {},
    inventory: p.inventory ? { type: p.inventory.type, id: p.inventory.id, fields: pick(request.result, p.inventory.fields) ?? {} } : null,
    local_params: p.localParams ?? {},
    result_index: request.index,
    timeframe: request.job.timeframe ?? null,
  };
  return {
    idempotencyKey: request.idempotencyKey,
    index,
    job: request.job.name,
    runId: request.run.id,
    stepId: request.stepId,
    title: p.title,
    severity: p.severity,
    document,
  };
}

/** Creates the incident; a retried activity returns the incident the first attempt created. */
export function createIncidentAction(deps: ActivityDeps) {
  return async function createIncident(request: ActionRequest<'incident.create'>): Promise<ActionOutputs['incident.create']> {
    const incident = incidentOf(request);
    const { incident: stored, created } = await withStore(originOf(request), () => deps.store.createIncident(incident));
    return { incident_id: stored.incident_id, created, index: incident.index };
  };
}
