// Parameters of mitre.tag (Smart Monitor "MITRE ATT&CK techniques").
import { z } from 'zod';
import { additionalFields, attackTechnique, mitreSeverity } from './common';

/** mitre.tag parameters. `incident_id` is filled from an earlier incident.create unless given. */
export const mitreTagParams = z
  .object({
    name: z.string().min(1).optional(),
    rule: z.string().min(1).optional(),
    layer: z.string().min(1).optional(),
    techniques: z.array(attackTechnique).min(1, { message: 'list at least one technique' }),
    severity: mitreSeverity.default('medium'),
    additionalFields: additionalFields.optional(),
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
