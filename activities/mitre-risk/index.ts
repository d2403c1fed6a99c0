// mitre.risk: one risk document per category (system, user) in the risk index.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { documentId, originOf, withStore, type ActivityDeps } from '../shared/deps';

/** The risk documents an execution writes: score × fidelity against the result's system and/or user. */
export function mitreRiskDocuments(request: ActionRequest<'mitre.risk'>, now: Date): { id: string; body: Record<string, unknown> }[] {
  const p = request.params;
  const timestamp = now.toISOString();
  return p.category.map((category) => ({
    id: documentId(request.idempotencyKey, category),
    // Additional fields go first: a computed field always wins (validation refuses the clash as well).
    body: {
      ...(p.additionalFields ?? {}),
      name: p.name ?? null,
      category,
      entity: request.result?.[category === 'system' ? p.systemField : p.userField] ?? null,
      score: p.score,
      fidelity: p.fidelity,
      risk: p.score * p.fidelity,
      event: request.result ?? null,
      job: request.job.name,
      run_id: request.run.id,
      step_id: request.stepId,
      timestamp,
    },
  }));
}

/** Records score × fidelity against the result's system and/or user. */
export function scoreMitreRiskAction(deps: ActivityDeps) {
  return async function scoreMitreRisk(request: ActionRequest<'mitre.risk'>): Promise<ActionOutputs['mitre.risk']> {
    const documents = mitreRiskDocuments(request, new Date());
    const ids = await withStore(originOf(request), () => deps.store.putDocuments('risk', documents));
    return { index: 'risk', ids };
  };
}
