// mitre.tag: one document per technique in the mitre index, carrying the incident_id handed down by the run.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { documentId, originOf, withStore, type ActivityDeps } from '../shared/deps';

/** The technique documents an execution writes, one per technique, keyed by run, step, result and technique. */
export function mitreTagDocuments(request: ActionRequest<'mitre.tag'>, now: Date): { id: string; body: Record<string, unknown> }[] {
  const p = request.params;
  const incidentId = p.incident_id ?? request.incidentId ?? null;
  const timestamp = now.toISOString();
  return p.techniques.map((technique) => ({
    id: documentId(request.idempotencyKey, technique),
    // Additional fields go first: a computed field always wins (validation refuses the clash as well).
    body: {
      ...(p.additionalFields ?? {}),
      technique,
      parent_technique: technique.split('.')[0],
      name: p.name ?? null,
      rule: p.rule ?? request.job.name,
      layer: p.layer ?? null,
      severity: p.severity,
      incident_id: incidentId,
      event: request.result ?? null,
      job: request.job.name,
      run_id: request.run.id,
      step_id: request.stepId,
      result_index: request.index,
      timestamp,
    },
  }));
}

/** Writes the technique documents; retries upsert the same documents. */
export function tagMitreAction(deps: ActivityDeps) {
  return async function tagMitre(request: ActionRequest<'mitre.tag'>): Promise<ActionOutputs['mitre.tag']> {
    const documents = mitreTagDocuments(request, new Date());
    const ids = await withStore(originOf(request), () => deps.store.putDocuments('mitre', documents));
    return { index: 'mitre', ids, incident_id: request.params.incident_id ?? request.incidentId ?? null };
  };
}
