// incident.create: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { incidentCreateParams } from './params';
import { policy } from './policy';

export * from './params';
export type { IncidentCreateOutput as Output } from './params';
export { policy } from './policy';

/** incident.create, defined once. */
export const definition = defineAction({
  policy,
  params: incidentCreateParams,
});
