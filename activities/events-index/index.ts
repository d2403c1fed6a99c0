// events.index: writes the result (or a document built from tokens) to an index of the store.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { documentId, originOf, withStore, type ActivityDeps } from '../deps';

/** Adds one document per execution, or with `update` replaces the same document every time. */
export function indexEventsAction(deps: ActivityDeps) {
  return async function indexEvents(request: ActionRequest<'events.index'>): Promise<ActionOutputs['events.index']> {
    const p = request.params;
    const id = p.update ? p.documentId ?? documentId(request.job.name, request.stepId) : documentId(request.idempotencyKey);
    const body = { ...(p.document ?? request.result ?? {}), job: request.job.name, run_id: request.run.id, step_id: request.stepId, timestamp: new Date().toISOString() };
    const ids = await withStore(originOf(request), () => deps.store.putDocuments(p.index, [{ id, body }]));
    return { index: p.index, ids };
  };
}
