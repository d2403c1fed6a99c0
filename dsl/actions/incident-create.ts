// Parameters of incident.create (Smart Monitor "Creating an incident").
import { z } from 'zod';
import { additionalFields, incidentSeverity, indexName } from './common';

const drilldown = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('search'),
      text: z.string().min(1, { message: 'give the drilldown search query' }),
      from: z.string().optional(),
      to: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('link'),
      text: z.url({ message: 'give the drilldown link as an absolute URL' }),
    })
    .strict(),
]);

/** incident.create parameters. */
export const incidentCreateParams = z
  .object({
    title: z.string().min(1, { message: 'give the incident a title' }).max(500),
    severity: incidentSeverity.default('medium'),
    workflow: z.string().min(1).optional(),
    description: z.string().optional(),
    drilldown: drilldown.optional(),
    indexSuffix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, { message: 'use lower-case letters, digits, "_" and "-"' })
      .optional(),
    fields: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    additionalFields: additionalFields.optional(),
    resultFields: z.array(z.string().min(1)).optional(),
    inventory: z
      .object({
        type: z.string().min(1),
        id: z.string().min(1),
        fields: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    localParams: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
  })
  .strict();

export type IncidentCreateParams = z.infer<typeof incidentCreateParams>;
/** incident.create output. */
export interface IncidentCreateOutput {
  incident_id: string;
  created: boolean;
  index: string;
}

export { indexName };
