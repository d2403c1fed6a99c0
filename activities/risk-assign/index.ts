// risk.assign: a risk score with result fields and a scoring type, in the chosen index.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { documentId, originOf, withStore, type ActivityDeps } from '../shared/deps';

/** The one risk document an execution writes, keyed by run, step and result. */
export function riskAssignDocument(request: ActionRequest<'risk.assign'>, now: Date): { id: string; body: Record<string, unknown> } {
  const p = request.params;
  // Result fields go first: the computed fields always win (validation refuses the clash as well).
  const body = {
    ...(p.fields ?? {}),
    score: p.score,
    scoring_type: p.scoringType,
    job: request.job.name,
    run_id: request.run.id,
    step_id: request.stepId,
    timestamp: now.toISOString(),
  };
  return { id: documentId(request.idempotencyKey), body };
}

/** Writes one risk document per execution. */
export function assignRiskAction(deps: ActivityDeps) {
  return async function assignRisk(request: ActionRequest<'risk.assign'>): Promise<ActionOutputs['risk.assign']> {
    const ids = await withStore(originOf(request), () => deps.store.putDocuments(request.params.index, [riskAssignDocument(request, new Date())]));
    return { index: request.params.index, ids };
  };
}
