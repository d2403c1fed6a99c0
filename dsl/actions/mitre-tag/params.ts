// Parameters of mitre.tag (Smart Monitor "MITRE ATT&CK techniques").
import { z } from 'zod';
import { additionalFieldsBeside, attackTechnique, mitreSeverity } from '../shared/common';

/** The fields of a mitre document that mitre.tag computes; additionalFields may not name them. */
export const MITRE_TAG_FIELDS = ['technique', 'parent_technique', 'name', 'rule', 'layer', 'severity', 'incident_id', 'event', 'job', 'run_id', 'step_id', 'result_index', 'timestamp', 'id', 'index', 'created_at', 'updated_at'] as const;

/** mitre.tag parameters. `incident_id` is filled from an earlier incident.create unless given. */
export const mitreTagParams = z
  .object({
    name: z.string().min(1).optional(),
    rule: z.string().min(1).optional(),
    layer: z.string().min(1).optional(),
    techniques: z.array(attackTechnique).min(1, { message: 'list at least one technique' }),
    severity: mitreSeverity.default('medium'),
    additionalFields: additionalFieldsBeside('mitre.tag', MITRE_TAG_FIELDS).optional(),
    incident_id: z.string().min(1).optional(),
  })
  .strict();

export type MitreTagParams = z.infer<typeof mitreTagParams>;
/** mitre.tag output. */
export interface MitreTagOutput {
  index: 'mitre';
  ids: string[];
  incident_id: string | null;
}
