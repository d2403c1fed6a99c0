// events.log: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { eventsLogParams } from './params';
import { policy } from './policy';

export * from './params';
export type { EventsLogOutput as Output } from './params';
export { policy } from './policy';

/** events.log, defined once. */
export const definition = defineAction({
  policy,
  params: eventsLogParams,
});
