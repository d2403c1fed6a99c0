// events.index: writes the result (or a document built from tokens) to an index of the store.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { actionFailure } from '../shared/errors';
import { documentId, originOf, withStore, type ActivityDeps } from '../shared/deps';

/** What one execution writes: a new document, or fields merged into the document `id`. */
export interface IndexWrite {
  index: string;
  write: 'add' | 'merge';
  id: string;
  body: Record<string, unknown>;
}

/**
 * The document an execution writes. Without `update` each execution adds its own document (keyed
 * by run, step and result, so a retry rewrites the same one). With `update` the fields are merged
 * into one document: `documentId` (rendered per result in `each` mode, where validation requires
 * it), else one document per job and step.
 */
export function indexWrite(request: ActionRequest<'events.index'>, now: Date): IndexWrite {
  const p = request.params;
  if (p.update && p.documentId === undefined && request.index !== null) {
    throw actionFailure('ActionInputError', `${originOf(request)}: with.documentId: in each mode every result updates the document documentId names; give one with a token from the result, e.g. "{{result.host}}"`);
  }
  const id = p.update ? p.documentId ?? documentId(request.job.name, request.stepId) : documentId(request.idempotencyKey);
  const body = { ...(p.document ?? request.result ?? {}), job: request.job.name, run_id: request.run.id, step_id: request.stepId, timestamp: now.toISOString() };
  return { index: p.index, write: p.update ? 'merge' : 'add', id, body };
}

/** Adds one document per execution, or with `update` merges the fields into the document it names. */
export function indexEventsAction(deps: ActivityDeps) {
  return async function indexEvents(request: ActionRequest<'events.index'>): Promise<ActionOutputs['events.index']> {
    const w = indexWrite(request, new Date());
    const ids = await withStore(originOf(request), () => (w.write === 'merge' ? deps.store.mergeDocument(w.index, w.id, w.body).then((id) => [id]) : deps.store.putDocuments(w.index, [{ id: w.id, body: w.body }])));
    return { index: w.index, ids };
  };
}
