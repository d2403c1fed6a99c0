// events.index: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction, type StepCheck } from '../define';
import type { Problem } from '../../problems';
import { isTemplate } from '../../template';
import { DOCUMENT_ID_WITHOUT_UPDATE, eventsIndexParams } from '../shared/store-writes';
import { policy } from './policy';

export type { DocumentsOutput as Output } from '../shared/store-writes';
export { policy } from './policy';

/**
 * events.index `update` in `each` mode: each result updates the document its `documentId` names,
 * so the id must be there and come from the result; one id for all would have every result merge
 * into one document in no set order.
 */
function indexUpdateProblems({ step, params: w, at }: StepCheck): Problem[] {
  // The schema says this too, but not for a documentId holding a token, which it checks only once rendered.
  if (w.documentId !== undefined && w.update !== true) return [{ path: at('with', 'documentId'), message: DOCUMENT_ID_WITHOUT_UPDATE }];
  if (step.mode !== 'each' || w.update !== true) return [];
  if (w.documentId === undefined) return [{ path: at('with', 'documentId'), message: 'in each mode every result updates the document documentId names: give one from the result, e.g. "{{result.host}}", or use mode "once" to update one document' }];
  if (typeof w.documentId === 'string' && !isTemplate(w.documentId)) {
    return [{ path: at('with', 'documentId'), message: 'this documentId is the same for every result, so all results would update one document in no set order: build it from the result, e.g. "{{result.host}}", or use mode "once"' }];
  }
  return [];
}

/** events.index, defined once. */
export const definition = defineAction({
  policy,
  params: eventsIndexParams,
  check: indexUpdateProblems,
  jsonSchema: { object: [{ if: { required: ['documentId'] }, then: { properties: { update: { const: true } }, required: ['update'] } }] },
});
