// sns.publish: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { TEMPLATE_REF } from '../../json-schema-core';
import { snsPublishParams } from '../shared/insight-params';
import { policy } from './policy';

export type { SnsPublishOutput as Output } from '../shared/insight-params';
export { policy } from './policy';

/** sns.publish, defined once. */
export const definition = defineAction({
  policy,
  params: snsPublishParams,
  jsonSchema: { field: [{ properties: { subject: { anyOf: [{ type: 'string', not: { pattern: '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]' } }, TEMPLATE_REF] } } }] },
});
