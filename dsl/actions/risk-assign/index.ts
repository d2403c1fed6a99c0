// risk.assign: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { riskAssignParams } from '../shared/store-writes';
import { policy } from './policy';

export type { DocumentsOutput as Output } from '../shared/store-writes';
export { policy } from './policy';

/** risk.assign, defined once. */
export const definition = defineAction({
  policy,
  params: riskAssignParams,
});
