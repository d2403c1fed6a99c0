// Schema pieces shared by several actions' parameters.
import { z } from 'zod';

/** A secret written as a reference, resolved only inside activities: `env:NAME` or `enc:v1:...`. */
export const secretRef = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|enc:v1:[A-Za-z0-9+/=:._-]+)$/, {
    message: 'write a secret reference (env:NAME or enc:v1:...) or move it into a connection; a literal secret would be stored in workflow history',
  });

/**
 * A connection's TLS files (riposte's own and every peer connection that takes client
 * certificates): verify the peer, the CA, client certificate and key, and the name to check.
 */
export const tlsFiles = z
  .object({
    verify: z.boolean().default(true),
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    servername: z.string().optional(),
  })
  .strict();

/** Key-value fields copied into the document or incident; values may hold tokens. */
export const additionalFields = z.record(z.string().min(1), z.unknown());

/**
 * One of a fixed list of levels, written in any case: a token that reads `High` from a result is
 * the level `high` (Smart Monitor lets tokens fill Severity). Stored lower-case.
 */
function levels<const T extends readonly [string, ...string[]]>(values: T) {
  const message = `write one of ${values.join(', ')} (in any case)`;
  return z
    .string({ message })
    .trim()
    .toLowerCase()
    .meta({ description: `one of ${values.join(', ')}, in any case`, examples: [...values] })
    .pipe(z.enum(values, { message }));
}

/** The three-level severity the MITRE actions use. */
export const mitreSeverity = levels(['low', 'medium', 'high']);

/** The severity of an incident. */
export const incidentSeverity = levels(['info', 'low', 'medium', 'high', 'critical']);

/** A decimal number written as text, as {@link numberFromText} reads it. */
export const DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * A number, written as one or as text a token rendered. Text that is empty (a token naming a field
 * the result lacks) or not a decimal number is refused with the field's path, never read as 0.
 */
export function numberFromText(what: string) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const text = value.trim();
    if (text === '') {
      ctx.addIssue({ code: 'custom', message: `${what} rendered empty: the result has no value for it (a token naming a missing field?); give a number` });
      return z.NEVER;
    }
    if (!DECIMAL.test(text) || !Number.isFinite(Number(text))) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a number` });
      return z.NEVER;
    }
    return Number(text);
  });
}

/**
 * Key-value fields added to a document beside the fields the action computes. A key that names a
 * computed field is refused: the stored document and the step's output must say the same thing.
 */
export function additionalFieldsBeside(action: string, computed: readonly string[]) {
  const taken = new Set(computed);
  return additionalFields.superRefine((fields, ctx) => {
    for (const key of Object.keys(fields)) {
      if (taken.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is a field ${action} writes itself (${computed.join(', ')}); give the additional field another name` });
    }
  });
}

/** An index name as the store accepts it. */
export const indexName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, {
  message: 'use lower-case letters, digits, ".", "_" and "-" (at most 100 characters), starting with a letter or digit',
});

/** A MITRE ATT&CK technique or sub-technique id. */
export const attackTechnique = z.string().regex(/^T\d{4}(\.\d{3})?$/, {
  message: 'not a MITRE ATT&CK technique id; write T1234 or T1234.001',
});
