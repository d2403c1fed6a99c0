// Parameters of the actions that write documents to the store: events.index, mitre.risk, risk.assign.
import { z } from 'zod';
import { additionalFieldsBeside, indexName, numberFromText } from './common';

/** The fields of a risk document that mitre.risk computes; additionalFields may not name them. */
export const MITRE_RISK_FIELDS = ['name', 'category', 'entity', 'score', 'fidelity', 'risk', 'event', 'job', 'run_id', 'step_id', 'timestamp', 'id', 'index', 'created_at', 'updated_at'] as const;
/** The fields of a document that risk.assign computes; its `fields` may not name them. */
export const RISK_ASSIGN_FIELDS = ['score', 'scoring_type', 'job', 'run_id', 'step_id', 'timestamp', 'id', 'index', 'created_at', 'updated_at'] as const;

/** Why events.index refuses a documentId without update. */
export const DOCUMENT_ID_WITHOUT_UPDATE = 'documentId names the document to update: set "update": true, or remove documentId (without update every execution adds a new document)';

/** events.index (Smart Monitor "Event indexing"). */
export const eventsIndexParams = z
  .object({
    index: indexName,
    update: z.boolean().default(false),
    /** The document; the result itself when absent. */
    document: z.record(z.string(), z.unknown()).optional(),
    /**
     * With `update`, the document to merge into (tokens allowed, rendered per result in `each`
     * mode, where it is required); in `once` mode one document per job and step when absent.
     */
    documentId: z.string().min(1, { message: 'documentId rendered empty; name the document to update' }).max(200).optional(),
  })
  .strict()
  .refine((p) => p.update || p.documentId === undefined, { path: ['documentId'], message: DOCUMENT_ID_WITHOUT_UPDATE });

const category = z.enum(['system', 'user']);

/** mitre.risk (Smart Monitor "MITRE ATT&CK Risk Scoring Assignment"). */
export const mitreRiskParams = z
  .object({
    name: z.string().min(1).optional(),
    category: z.union([category, z.literal('both'), z.array(category).min(1)]).transform((c) => (c === 'both' ? ['system', 'user'] : Array.isArray(c) ? [...new Set(c)] : [c])),
    score: numberFromText('the risk score').pipe(z.number().min(0, { message: 'a risk score is zero or more' })),
    fidelity: numberFromText('fidelity').pipe(z.number().min(0, { message: 'fidelity is between 0 and 1' }).max(1, { message: 'fidelity is between 0 and 1' })).default(1),
    systemField: z.string().min(1).default('host'),
    userField: z.string().min(1).default('user'),
    additionalFields: additionalFieldsBeside('mitre.risk', MITRE_RISK_FIELDS).optional(),
  })
  .strict();

/** risk.assign (Smart Monitor "Risk Score Assignment"). */
export const riskAssignParams = z
  .object({
    score: numberFromText('the risk score').pipe(z.number().min(0, { message: 'a risk score is zero or more' })),
    index: indexName.default('risk'),
    fields: additionalFieldsBeside('risk.assign', RISK_ASSIGN_FIELDS).optional(),
    scoringType: z.string().min(1),
  })
  .strict();

/** Output of the document-writing actions. */
export interface DocumentsOutput {
  index: string;
  ids: string[];
}
