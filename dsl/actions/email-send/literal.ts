// email.send's literal text, read before rendering: a literal list of recipients becomes one entry per address.
import { splitLiteralList, type LiteralParams } from '../../segments';

/**
 * Recipient fields as the chain wrote them, before rendering: a literal comma-separated string
 * (Cloud SIEM's "comma-separated list of the email addresses") becomes one entry per address. The
 * split reads only literal text, so a token stays one entry: what it renders to must be one address.
 */
export function emailSendBeforeRender(params: Record<string, unknown>): LiteralParams {
  const out: Record<string, unknown> = { ...params };
  for (const field of ['to', 'cc', 'bcc'] as const) {
    const value = params[field];
    if (typeof value !== 'string') continue;
    const pieces = splitLiteralList(value);
    if (pieces && pieces.length > 1) out[field] = pieces;
  }
  return { params: out, problems: [] };
}

/** The hook the engine calls before rendering (see ActionDefinition.beforeRender). */
export const beforeRender = emailSendBeforeRender;
