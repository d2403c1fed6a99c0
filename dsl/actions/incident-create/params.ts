// Parameters of incident.create (Smart Monitor "Creating an incident").
import { z } from 'zod';
import { additionalFields, incidentSeverity, indexName } from '../shared/common';

/** An absolute time: an ISO 8601 date, or a date and time with `Z` or an offset. */
const ABSOLUTE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const UNIT = '(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks|mon|month|months|q|qtr|qtrs|quarter|quarters|y|yr|yrs|year|years)';
/**
 * A relative time as the Smart Monitor search language writes `earliest=`/`latest=` (SPL style:
 * `now`, `-24h`, `-1d@d`, `@w1`, `-2h@h+30m`), or Elasticsearch/OpenSearch date math (`now-1h`,
 * `now-1d/d`), which the engines under Smart Monitor read.
 */
const RELATIVE_TIME = new RegExp(`^(now|(now)?([+-]\\d*${UNIT})*(@(${UNIT}|w[0-7]))?([+-]\\d*${UNIT})*|now([+-]\\d+[yMwdhHms])*(/[yMwdhHms])?)$`);

/** True for a drilldown bound: an absolute time that exists, or a relative time. */
export function isDrilldownTime(text: string): boolean {
  if (ABSOLUTE_TIME.test(text)) {
    // Date.parse rolls 2026-02-30 over to March; a bound must name a day that exists.
    const [year, month, day] = text.slice(0, 10).split('-').map(Number);
    return Number.isFinite(Date.parse(text)) && new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
  }
  return text.length > 0 && RELATIVE_TIME.test(text);
}

const drilldownTime = z.string().refine(isDrilldownTime, {
  message: 'not a time: write an ISO 8601 time ("2026-11-22T06:00:00Z"), now, a relative time ("-24h", "-1d@d") or date math ("now-1h", "now-1d/d")',
});

const drilldown = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('search'),
      text: z.string().min(1, { message: 'give the drilldown search query' }),
      /** The drilldown's time bounds; each defaults to the job's timeframe. */
      from: drilldownTime.optional(),
      to: drilldownTime.optional(),
    })
    .strict()
    .refine((d) => !(d.from && d.to && ABSOLUTE_TIME.test(d.from) && ABSOLUTE_TIME.test(d.to) && Date.parse(d.from) > Date.parse(d.to)), {
      path: ['to'],
      message: 'the drilldown ends before it starts: "to" is earlier than "from"',
    }),
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
