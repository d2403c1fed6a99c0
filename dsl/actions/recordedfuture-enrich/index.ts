// recordedfuture.enrich: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { recordedFutureEnrichParams } from '../shared/insight-params';
import { policy } from './policy';

export type { RecordedFutureEnrichOutput as Output } from '../shared/insight-params';
export { policy } from './policy';

/** recordedfuture.enrich, defined once. */
export const definition = defineAction({
  policy,
  params: recordedFutureEnrichParams,
  jsonSchema: { object: [{ not: { properties: { enrichInsight: { const: false }, enrichSignals: { const: false } }, required: ['enrichInsight'] } }] },
});
