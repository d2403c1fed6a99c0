// The intake API's body schemas (zod, checked in the handlers) and the JSON Schemas of its answers (for the OpenAPI document).
import { z } from 'zod';
import { insightInputSchema } from '../dsl';
import { TRIGGER_ID_PATTERN } from '../control/job-runs';

const resultsSchema = z.array(z.record(z.string(), z.unknown(), { message: 'each result must be a JSON object' }), { message: 'give the results as a JSON array of objects' }).max(1_000_000).default([]);
const paramsSchema = z.record(z.string(), z.unknown(), { message: 'give the params as a JSON object' }).default({});
const triggerIdSchema = z.string().regex(TRIGGER_ID_PATTERN, { message: 'use 1-200 letters, digits, ".", "_", ":", "@" and "-", starting with a letter or digit' });

/** POST /v1/jobs/{name}/runs */
export const jobRunBodySchema = z
  .object({
    results: resultsSchema,
    params: paramsSchema,
    triggerId: triggerIdSchema.optional(),
  })
  .strict();

/** POST /v1/runs: the chain is checked by chain validation, not by this schema. */
export const inlineRunBodySchema = z
  .object({
    chain: z.record(z.string(), z.unknown(), { message: 'give the chain as a JSON object, as in a chain file' }),
    results: resultsSchema,
    params: paramsSchema,
    triggerId: triggerIdSchema.optional(),
  })
  .strict();

/** POST /v1/events/insight.created (also insight.closed, insight.on_demand); the body may also be the Insight itself, bare or in its API envelope. */
export const insightEventBodySchema = z
  .object({ insight: insightInputSchema, triggerId: triggerIdSchema.optional(), job: z.string().min(1, { message: 'name a job of the jobs directory' }).optional() })
  .strict();
/** POST /v1/events/sensor.heartbeat */
export const heartbeatBodySchema = z.object({ sensorId: z.string().min(1), name: z.string().optional(), at: z.iso.datetime({ offset: true }).optional() }).strict();
/** POST /v1/events/rule.signals */
export const signalsBodySchema = z
  .object({ ruleId: z.string().min(1), name: z.string().optional(), count: z.int().min(0), at: z.iso.datetime({ offset: true }).optional() })
  .strict();

/** The Insight events a job can subscribe to with `on`. */
export const INSIGHT_EVENTS = ['insight.created', 'insight.closed', 'insight.on_demand'] as const;
/** The event types of POST /v1/events/{type}. */
export const API_EVENT_TYPES = [...INSIGHT_EVENTS, 'sensor.heartbeat', 'rule.signals'] as const;

export const problemsResponse = {
  type: 'object',
  description: 'The body did not validate; every problem is named by its path.',
  properties: { problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } },
};
export const errorResponse = { type: 'object', properties: { error: { type: 'string' } } };
export const startedResponse = {
  type: 'object',
  properties: { runId: { type: 'string' }, job: { type: 'string' }, url: { type: 'string' }, created: { type: 'boolean', description: 'false when the trigger id had already started this run' } },
};
export const fireReportResponse = {
  type: 'object',
  description: 'What firing the event did, as `riposte fire --json` prints it',
  properties: {
    event: { type: 'string' },
    eventId: { type: 'string', description: 'makes the starts idempotent: the Insight id for insight.created and insight.closed unless a trigger id is given' },
    runs: {
      type: 'array',
      items: { type: 'object', properties: { job: { type: 'string' }, runId: { type: 'string', description: 'event/<event>/<event id>/<job>' }, started: { type: 'boolean', description: 'false when the same event had already started this run' }, url: { type: 'string' } } },
    },
    skipped: { type: 'array', items: { type: 'object', properties: { job: { type: 'string' }, reason: { type: 'string' } } } },
  },
  required: ['event', 'eventId', 'runs', 'skipped'],
};
export const heartbeatResponse = { type: 'object', properties: { sensorId: { type: 'string' }, windowMs: { type: 'integer', description: 'silence after which the sensor is offline' } }, required: ['sensorId', 'windowMs'] };
export const signalsResponse = { type: 'object', properties: { ruleId: { type: 'string' }, count: { type: 'integer' } }, required: ['ruleId', 'count'] };
export const sensorResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['online', 'offline'] },
    lastHeartbeat: { type: 'string' },
    windowMs: { type: 'integer' },
    heartbeats: { type: 'integer' },
    outages: { type: 'array', items: { type: 'object', properties: { offlineAt: { type: 'string' }, recoveredAt: { type: 'string' }, runs: { type: 'array', items: { type: 'string' } }, error: { type: 'string' } } } },
  },
};
export const ruleResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    prototype: { type: 'boolean' },
    disabledBy: { type: 'string', enum: ['guard', 'manual'] },
    reason: { type: 'string' },
    disabledAt: { type: 'string' },
    signals: { type: 'object', properties: { hour: { type: 'integer' }, day: { type: 'integer' } } },
    limits: { type: 'object', properties: { hour: { type: 'integer' }, day: { type: 'integer' } } },
    autoDisables: { type: 'integer' },
    fireError: { type: 'string' },
  },
};
export const idempotencyHeader = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', description: 'the trigger id: the same id twice starts one run (same as the body field triggerId)' } },
};

/** The JSON Schema of a zod schema, for the OpenAPI document. */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}
