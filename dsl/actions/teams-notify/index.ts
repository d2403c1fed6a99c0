// teams.notify: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { teamsNotifyParams } from '../shared/insight-params';
import { policy } from './policy';

export type { StatusOutput as Output } from '../shared/insight-params';
export { policy } from './policy';

/** teams.notify, defined once. */
export const definition = defineAction({
  policy,
  params: teamsNotifyParams,
});
