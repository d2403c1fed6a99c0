// Parameters of email.send (Smart Monitor "Sending E-mail", Cloud SIEM "Email").
import { z } from 'zod';

export { emailSendBeforeRender } from './literal';

/** Headers Smart Monitor's e-mail action reserves for the system; a chain may not set them. */
export const RESERVED_HEADERS = [
  'Return-Path', 'Received', 'Resent-Date', 'Resent-From', 'Resent-Sender', 'Resent-To', 'Resent-Cc', 'Resent-Bcc',
  'Resent-Message-Id', 'Date', 'From', 'Sender', 'Reply-To', 'To', 'Message-Id', 'In-Reply-To', 'References', 'Subject',
  'Errors-To', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-MD5', 'Content-Length', 'Received-SPF',
] as const;

/**
 * Headers that carry addresses, besides Smart Monitor's list: recipients come only from to, cc and bcc,
 * so none of these may be set (a value from a result would otherwise add a recipient or a reply
 * path). Every `Resent-*` header is refused too.
 */
export const ADDRESS_HEADERS = [
  'Cc', 'Bcc', 'Delivered-To', 'X-Original-To', 'Envelope-To', 'X-Envelope-To', 'X-Envelope-From', 'Apparently-To',
  'Disposition-Notification-To', 'Return-Receipt-To', 'Read-Receipt-To', 'X-Confirm-Reading-To', 'Generate-Delivery-Report',
  'Mail-Followup-To', 'Mail-Reply-To', 'Original-Recipient', 'Original-From', 'Author', 'X-Sender', 'X-Original-Sender',
  'List-Post', 'List-Owner', 'List-Help', 'List-Subscribe', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'Bounces-To',
] as const;

const reserved = new Set(RESERVED_HEADERS.map((h) => h.toLowerCase()));
const addressBearing = new Set(ADDRESS_HEADERS.map((h) => h.toLowerCase()));

/** Why a header name cannot be set, or undefined when it can. */
export function reservedHeader(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (reserved.has(lower)) return `header "${name}" is reserved for the system and cannot be set`;
  if (addressBearing.has(lower)) return `header "${name}" carries addresses and cannot be set; recipients come only from to, cc and bcc`;
  if (lower.startsWith('resent-')) return `header "${name}" is reserved for the system and cannot be set (Resent-* headers carry addresses)`;
  return undefined;
}

const LINE_BREAK = /[\r\n\u0000]/;

/**
 * One recipient: exactly one bare address. A value holding several (`a@x, b@y`) or a line break
 * is refused, never split: only the chain's own literal text is read as a list.
 */
const address = z
  .string()
  .refine((v) => !LINE_BREAK.test(v), { message: 'holds a line break; an address is one line', abort: true })
  .refine((v) => !/[,;]/.test(v), { message: 'holds several addresses; each entry is exactly one address (list them as separate entries)', abort: true })
  .pipe(z.email({ message: 'not an e-mail address' }));
const addresses = z.union([address, z.array(address)]).transform((v) => (Array.isArray(v) ? v : [v]));

/** A header value: one line, whatever a token rendered into it. */
const headerValue = z.string().refine((v) => !LINE_BREAK.test(v), { message: 'holds a line break; a header value is one line' });

/** email.send parameters. */
export const emailSendParams = z
  .object({
    to: addresses.refine((v) => v.length > 0, { message: 'give at least one recipient' }),
    cc: addresses.optional(),
    bcc: addresses.optional(),
    /** One sender, `address` or `Name <address>`; checked as exactly one address when the step runs. */
    from: z.string().min(3).refine((v) => !LINE_BREAK.test(v), { message: 'holds a line break; the sender is one address on one line' }).optional(),
    subject: z.string().min(1, { message: 'give a subject' }).max(998).optional(),
    body: z.string().default(''),
    html: z.boolean().default(false),
    signature: z.string().optional(),
    addTime: z.boolean().default(false),
    table: z.boolean().default(false),
    attachCsv: z.union([z.boolean(), z.object({ filename: z.string().regex(/^[\w.-]+$/, { message: 'use letters, digits, ".", "_" and "-"' }) }).strict()]).default(false),
    merge: z.boolean().default(false),
    headers: z
      .record(z.string().regex(/^[!-9;-~]+$/, { message: 'not a valid header name' }), z.union([headerValue, z.array(headerValue).min(1)]))
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          const why = reservedHeader(name);
          if (why) ctx.addIssue({ code: 'custom', path: [name], message: why });
        }
      })
      .optional(),
    /** `summary`: the body is the Insight summary (entity, MITRE tactics, link) of an Insight-triggered run. */
    format: z.enum(['custom', 'summary']).default('custom'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.subject === undefined && p.format !== 'summary') ctx.addIssue({ code: 'custom', path: ['subject'], message: 'give a subject' });
  });

export type EmailSendParams = z.infer<typeof emailSendParams>;
/** email.send output. */
export interface EmailSendOutput {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** True when a retried step found the message already sent and did not send it again. */
  alreadySent: boolean;
}
