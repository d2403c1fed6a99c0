// mitre.risk: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { mitreRiskParams } from '../shared/store-writes';
import { policy } from './policy';

export type { DocumentsOutput as Output } from '../shared/store-writes';
export { policy } from './policy';

/** mitre.risk, defined once. */
export const definition = defineAction({
  policy,
  params: mitreRiskParams,
});
