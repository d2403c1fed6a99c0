// Parameters of email.send (Smart Monitor "Sending E-mail").
import { z } from 'zod';

/** Headers the seed reserves for the system; a chain may not set them. */
export const RESERVED_HEADERS = [
  'Return-Path', 'Received', 'Resent-Date', 'Resent-From', 'Resent-Sender', 'Resent-To', 'Resent-Cc', 'Resent-Bcc',
  'Resent-Message-Id', 'Date', 'From', 'Sender', 'Reply-To', 'To', 'Message-Id', 'In-Reply-To', 'References', 'Subject',
  'Errors-To', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-MD5', 'Content-Length', 'Received-SPF',
] as const;

const reserved = new Set(RESERVED_HEADERS.map((h) => h.toLowerCase()));

const address = z.email({ message: 'not an e-mail address' });
const addresses = z.union([address, z.array(address)]).transform((v) => (Array.isArray(v) ? v : [v]));

/** email.send parameters. */
export const emailSendParams = z
  .object({
    to: addresses.refine((v) => v.length > 0, { message: 'give at least one recipient' }),
    cc: addresses.optional(),
    bcc: addresses.optional(),
    from: z.string().min(3).optional(),
    subject: z.string().min(1, { message: 'give a subject' }).max(998).optional(),
    body: z.string().default(''),
    html: z.boolean().default(false),
    signature: z.string().optional(),
    addTime: z.boolean().default(false),
    table: z.boolean().default(false),
    attachCsv: z.union([z.boolean(), z.object({ filename: z.string().regex(/^[\w.-]+$/, { message: 'use letters, digits, ".", "_" and "-"' }) }).strict()]).default(false),
    merge: z.boolean().default(false),
    headers: z
      .record(
        z.string().regex(/^[!-9;-~]+$/, { message: 'not a valid header name' }),
        z.union([z.string(), z.array(z.string()).min(1)]),
      )
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (reserved.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: `header "${name}" is reserved for the system and cannot be set` });
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
