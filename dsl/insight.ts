// The Cloud SIEM Insight as riposte receives it with an Insight event, and the triggers that carry it.
import { z } from 'zod';

/** The entity an Insight is about (an IP, a host, a user...). */
export const entitySchema = z
  .object({
    entityType: z.string().min(1),
    value: z.string().min(1),
    hostname: z.string().optional(),
    sensorZone: z.string().optional(),
  })
  .loose();

/** One Record (a normalized log event) behind a Signal. */
export const insightRecordSchema = z.record(z.string(), z.unknown());

/** A Signal: one rule match that contributed to the Insight. */
export const signalSchema = z
  .object({
    id: z.string().min(1),
    name: z.string(),
    ruleId: z.string().optional(),
    severity: z.number().min(0).max(10).optional(),
    timestamp: z.string().optional(),
    description: z.string().optional(),
    tactics: z.array(z.string()).default([]),
    techniques: z.array(z.string()).default([]),
    records: z.array(insightRecordSchema).default([]),
  })
  .loose();

/**
 * An Insight: a correlated group of Signals about one entity. Shape follows the Cloud SIEM
 * Insight JSON (readable id such as `INSIGHT-123`, severity as a word, MITRE tactics and techniques).
 */
export const insightSchema = z
  .object({
    id: z.string().min(1),
    readableId: z.string().min(1),
    name: z.string().min(1),
    description: z.string().optional(),
    entity: entitySchema,
    severity: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
    confidence: z.number().min(0).max(1).optional(),
    status: z.string().default('new'),
    tactics: z.array(z.string()).default([]),
    techniques: z.array(z.string()).default([]),
    tags: z.array(z.string()).default([]),
    assignee: z.string().optional(),
    created: z.string(),
    closed: z.string().optional(),
    timestamp: z.string().optional(),
    /** Link to the Insight in the SIEM's UI. */
    link: z.string().optional(),
    signals: z.array(signalSchema).default([]),
    /** Records not tied to one Signal; most Records sit under their Signal. */
    records: z.array(insightRecordSchema).default([]),
    /** Enrichments attached by `recordedfuture.enrich` and similar steps. */
    enrichments: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .loose();

/** A parsed Insight. */
export type Insight = z.output<typeof insightSchema>;

/**
 * The trigger of a run started by an Insight event: `{ type: "insight.created", insight }`.
 * Sensor and rule events carry `sensor` and `rule` the same way.
 */
export interface InsightTrigger {
  type: 'insight.created' | 'insight.closed' | 'insight.on_demand';
  id?: string;
  insight: Insight;
}
