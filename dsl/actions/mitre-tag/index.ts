// mitre.tag: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { mitreTagParams } from './params';
import { policy } from './policy';

export * from './params';
export type { MitreTagOutput as Output } from './params';
export { policy } from './policy';

/** mitre.tag, defined once. */
export const definition = defineAction({
  policy,
  params: mitreTagParams,
});
