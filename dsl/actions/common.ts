// Schema pieces shared by several actions' parameters.
import { z } from 'zod';

/** A secret written as a reference, resolved only inside activities: `env:NAME` or `enc:v1:...`. */
export const secretRef = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|enc:v1:[A-Za-z0-9+/=:._-]+)$/, {
    message: 'write a secret reference (env:NAME or enc:v1:...) or move it into a connection; a literal secret would be stored in workflow history',
  });

/** Key-value fields copied into the document or incident; values may hold tokens. */
export const additionalFields = z.record(z.string().min(1), z.unknown());

/** The three-level severity the MITRE actions use. */
export const mitreSeverity = z.enum(['low', 'medium', 'high']);

/** The severity of an incident. */
export const incidentSeverity = z.enum(['info', 'low', 'medium', 'high', 'critical']);

/** An index name as the store accepts it. */
export const indexName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, {
  message: 'use lower-case letters, digits, ".", "_" and "-" (at most 100 characters), starting with a letter or digit',
});

/** A MITRE ATT&CK technique or sub-technique id. */
export const attackTechnique = z.string().regex(/^T\d{4}(\.\d{3})?$/, {
  message: 'not a MITRE ATT&CK technique id; write T1234 or T1234.001',
});
