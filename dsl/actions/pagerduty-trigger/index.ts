// pagerduty.trigger: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { pagerdutyTriggerParams } from '../shared/insight-params';
import { policy } from './policy';

export type { PagerdutyTriggerOutput as Output } from '../shared/insight-params';
export { policy } from './policy';

/** pagerduty.trigger, defined once. */
export const definition = defineAction({
  policy,
  params: pagerdutyTriggerParams,
});
