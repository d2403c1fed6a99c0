// Parameters of the actions that write documents to the store: events.index, mitre.risk, risk.assign.
import { z } from 'zod';
import { additionalFields, indexName } from './common';

/** events.index (Smart Monitor "Event indexing"). */
export const eventsIndexParams = z
  .object({
    index: indexName,
    update: z.boolean().default(false),
    /** The document; the result itself when absent. */
    document: z.record(z.string(), z.unknown()).optional(),
    /** With `update`, which document to replace; one per job and step when absent. */
    documentId: z.string().min(1).max(200).optional(),
  })
  .strict();

const category = z.enum(['system', 'user']);

/** mitre.risk (Smart Monitor "MITRE ATT&CK Risk Scoring Assignment"). */
export const mitreRiskParams = z
  .object({
    name: z.string().min(1).optional(),
    category: z.union([category, z.literal('both'), z.array(category).min(1)]).transform((c) => (c === 'both' ? ['system', 'user'] : Array.isArray(c) ? [...new Set(c)] : [c])),
    score: z.coerce.number().min(0, { message: 'a risk score is zero or more' }),
    fidelity: z.coerce.number().min(0, { message: 'fidelity is between 0 and 1' }).max(1, { message: 'fidelity is between 0 and 1' }).default(1),
    systemField: z.string().min(1).default('host'),
    userField: z.string().min(1).default('user'),
    additionalFields: additionalFields.optional(),
  })
  .strict();

/** risk.assign (Smart Monitor "Risk Score Assignment"). */
export const riskAssignParams = z
  .object({
    score: z.coerce.number().min(0, { message: 'a risk score is zero or more' }),
    index: indexName.default('risk'),
    fields: z.record(z.string().min(1), z.unknown()).optional(),
    scoringType: z.string().min(1),
  })
  .strict();

/** Output of the document-writing actions. */
export interface DocumentsOutput {
  index: string;
  ids: string[];
}
