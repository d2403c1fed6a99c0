// email.send: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { z } from 'zod';
import { defineAction, type JsonSchemaNode } from '../define';
import { LINE_BREAK, TEMPLATE_REF, toJsonSchema } from '../../json-schema-core';
import { emailSendParams } from './params';
import { emailSendBeforeRender } from './literal';
import { policy } from './policy';

export * from './params';
export type { EmailSendOutput as Output } from './params';
export { policy } from './policy';

/** The zod e-mail pattern without its anchors, for lists of addresses. */
const EMAIL_SOURCE = (toJsonSchema(z.email()).pattern as string).replace(/^\^|\$$/g, '');

/**
 * A chain's literal list of addresses (`"a@x.org, b@y.org"`): validation splits the chain's own
 * text at its commas (`emailSendBeforeRender`), so such a string is a list of addresses.
 */
const ADDRESS_LIST: JsonSchemaNode = { type: 'string', pattern: `^[\\s,]*(?:${EMAIL_SOURCE})(?:\\s*,[\\s,]*(?:${EMAIL_SOURCE}))+[\\s,]*$`, description: 'addresses separated by commas' };

/** email.send, defined once. */
export const definition = defineAction({
  policy,
  params: emailSendParams,
  beforeRender: emailSendBeforeRender,
  jsonSchema: {
    field: [
      { properties: { to: { not: { type: 'array', maxItems: 0 } } } },
      { properties: { from: { anyOf: [{ type: 'string', not: { pattern: LINE_BREAK } }, TEMPLATE_REF] } } },
    ],
    alternatives: { to: [ADDRESS_LIST], cc: [ADDRESS_LIST], bcc: [ADDRESS_LIST] },
    object: [{ anyOf: [{ required: ['subject'] }, { properties: { format: { const: 'summary' } }, required: ['format'] }] }],
  },
});
