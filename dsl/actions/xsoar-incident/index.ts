// xsoar.incident: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { TEMPLATE_REF, anyCase } from '../../json-schema-core';
import { RESERVED_HEADERS, xsoarIncidentParams } from '../shared/insight-params';
import { policy } from './policy';

export type { XsoarIncidentOutput as Output } from '../shared/insight-params';
export { policy } from './policy';

/**
 * The XSOAR "Extra Headers" text as `parseHeaderLines` takes it: lines of `key: value` (or blank),
 * no header the action sets itself.
 */
const HEADER_LINES = (() => {
  const space = '[^\\S\\n]*';
  const reserved = `(?:${[...RESERVED_HEADERS].map(anyCase).join('|')})${space}:`;
  const line = `${space}(?:(?!${reserved})[!#$%&'*+.^_\`|~0-9A-Za-z-]+${space}:[^\\n]*)?`;
  return `^(?:${line}\\n)*${line}$`;
})();

/** xsoar.incident, defined once. */
export const definition = defineAction({
  policy,
  params: xsoarIncidentParams,
  jsonSchema: { field: [{ properties: { extraHeaders: { anyOf: [{ type: 'string', pattern: HEADER_LINES }, TEMPLATE_REF] } } }] },
});
