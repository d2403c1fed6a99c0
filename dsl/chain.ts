// The chain file (DSL v1): zod schemas and the types inferred from them.
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration';

const duration = z.string().regex(DURATION_PATTERN, { message: 'not a duration; write e.g. "500ms", "30s", "5m", "2h" or "1d"' });

/** A duration between `min` and `max` milliseconds: zero and absurd values are refused before Temporal sees them. */
function boundedDuration(min: number, max: number, what: string) {
  return duration.refine((text) => {
    const ms = parseDuration(text);
    return ms === undefined || (ms >= min && ms <= max);
  }, { message: `${what} must be between ${formatMs(min)} and ${formatMs(max)}` });
}

function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** Names that are Object.prototype's own: as an id or key they would reach the prototype, not the data. */
export const PROTOTYPE_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** The longest step id. */
export const MAX_STEP_ID_LENGTH = 64;
/** The most steps a chain may have. */
export const MAX_STEPS = 200;

/** Step ids: unique in the chain, `[a-z][a-z0-9_-]*`. */
export const stepIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, {
    message: 'step ids start with a lower-case letter and hold only a-z, 0-9, "_" and "-"',
  })
  .max(MAX_STEP_ID_LENGTH, { message: `step ids are at most ${MAX_STEP_ID_LENGTH} characters` })
  .refine((id) => !PROTOTYPE_NAMES.has(id), { message: 'this name belongs to every JavaScript object; choose another step id' });

/** Retry policy overrides for one step. */
export const retrySchema = z
  .object({
    maxAttempts: z.int().min(1).max(1000).optional(),
    initialInterval: boundedDuration(1, 86_400_000, 'initialInterval').optional(),
    backoff: z.number().min(1).max(100).optional(),
    maxInterval: boundedDuration(1, 7 * 86_400_000, 'maxInterval').optional(),
  })
  .strict();

/** The response limiter: at most one execution per key per window. */
export const throttleSchema = z.object({ key: z.string().min(1), window: boundedDuration(1_000, 366 * 86_400_000, 'the throttle window') }).strict();

/** One step of a chain. */
export const stepSchema = z
  .object({
    id: stepIdSchema,
    action: z.string().min(1, { message: 'name an action from the catalogue' }),
    description: z.string().optional(),
    mode: z.enum(['once', 'each']).default('once'),
    when: z.string().optional(),
    with: z.record(z.string(), z.unknown()).default({}),
    connection: z
      .string()
      .min(1)
      .refine((name) => !PROTOTYPE_NAMES.has(name), { message: 'this name belongs to every JavaScript object and cannot name a connection' })
      .optional(),
    host: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'name the executor host by its task queue name' }).optional(),
    throttle: throttleSchema.optional(),
    retry: retrySchema.optional(),
    timeout: boundedDuration(1_000, 30 * 86_400_000, 'a step timeout').optional(),
    onError: z.enum(['fail', 'continue']).default('fail'),
    concurrency: z.int().min(1).max(500).optional(),
  })
  .strict();

/** Events a job can subscribe to. */
export const EVENT_TYPES = ['insight.created', 'insight.closed', 'insight.on_demand', 'sensor.offline', 'rule.disabled'] as const;

/** When a scheduled job starts (becomes a Temporal Schedule). */
export const scheduleSchema = z
  .object({
    cron: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    every: boundedDuration(1_000, 366 * 86_400_000, 'a schedule interval').optional(),
    timezone: z.string().optional(),
    overlap: z.enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all']).default('skip'),
  })
  .strict()
  .refine((s) => (s.cron === undefined) !== (s.every === undefined), { message: 'give exactly one of "cron" or "every"' });

/** How a scheduled job gets its results. */
export const searchSchema = z
  .object({
    connection: z.string().min(1),
    sql: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    runOnEmpty: z.boolean().default(false),
  })
  .strict()
  .refine((s) => (s.sql === undefined) !== (s.url === undefined), { message: 'give exactly one of "sql" or "url"' });

import { JOB_NAME_PATTERN } from './names';

export { JOB_NAME_PATTERN } from './names';

/** A chain file. */
export const chainSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).optional(),
    name: z.string().regex(JOB_NAME_PATTERN, {
      message: 'use letters, digits, ".", "_" and "-" (at most 100 characters)',
    }),
    description: z.string().optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    strict: z.boolean().default(false),
    active: z.boolean().default(true),
    on: z.array(z.enum(EVENT_TYPES)).optional(),
    schedule: scheduleSchema.optional(),
    search: searchSchema.optional(),
    timeframe: boundedDuration(1_000, 3_660 * 86_400_000, 'the timeframe').optional(),
    /** The detection rule this job responds to: while the rule is disabled, its jobs do not start. */
    rule: z.string().min(1).optional(),
    steps: z.array(stepSchema).min(1, { message: 'a chain needs at least one step' }).max(MAX_STEPS, { message: `a chain has at most ${MAX_STEPS} steps; split it with job.run` }),
  })
  .strict();

/** A validated chain with defaults applied. */
export type Chain = z.output<typeof chainSchema>;
/** A step with defaults applied. */
export type Step = z.output<typeof stepSchema>;
/** A chain as written in a file. */
export type ChainInput = z.input<typeof chainSchema>;
