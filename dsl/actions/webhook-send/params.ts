// Parameters of webhook.send (Smart Monitor "Webhook").
import { z } from 'zod';
import { numberFromText, secretRef } from '../shared/common';

/** Headers that carry credentials: their values must be secret references, never literals. */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-auth-token']);

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: secretRef }).strict(),
  z.object({ type: z.literal('bearer'), token: secretRef }).strict(),
  z.object({ type: z.literal('header'), name: z.string().min(1), value: secretRef }).strict(),
]);

/** webhook.send parameters. Protocol, host and port may come from the step's connection instead. */
export const webhookSendParams = z
  .object({
    protocol: z.enum(['http', 'https']).optional(),
    host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, { message: 'give a host name or IP address only (no scheme, port or path)' })
      .optional(),
    port: numberFromText('the port').pipe(z.number().int().min(1).max(65_535)).optional(),
    /**
     * Lets tokens fill protocol, host or port (e.g. one firewall per result). Off by default: a
     * result must not choose where riposte connects. A connection's credentials still go only to
     * the connection's own origin.
     */
    dynamicHost: z.boolean().optional(),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('POST'),
    path: z.string().default('/'),
    query: z.record(z.string().min(1), z.union([scalar, z.array(scalar)])).optional(),
    auth: auth.optional(),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'not a valid header name' }), z.string())
      .superRefine((headers, ctx) => {
        for (const [name, value] of Object.entries(headers)) {
          if (CREDENTIAL_HEADERS.has(name.toLowerCase()) && !secretRef.safeParse(value).success) {
            ctx.addIssue({ code: 'custom', path: [name], message: `${name} carries a credential: write it as a secret reference (env:NAME or enc:v1:...), use "auth", or move it into a connection; a literal would be stored in workflow history` });
          }
        }
      })
      .optional(),
    body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
    contentType: z.string().optional(),
    tls: z
      .object({
        verify: z.boolean().default(true),
        caFile: z.string().optional(),
        servername: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type WebhookSendParams = z.infer<typeof webhookSendParams>;
/** webhook.send output. */
export interface WebhookSendOutput {
  status: number;
  body: unknown;
}
