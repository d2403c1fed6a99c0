// The chain file (DSL v1): zod schemas and the types inferred from them.
import { z } from 'zod';
import { DURATION_PATTERN } from './duration';

const duration = z.string().regex(DURATION_PATTERN, { message: 'not a duration; write e.g. "500ms", "30s", "5m", "2h" or "1d"' });

/** Step ids: unique in the chain, `[a-z][a-z0-9_-]*`. */
export const stepIdSchema = z.string().regex(/^[a-z][a-z0-9_-]*$/, {
  message: 'step ids start with a lower-case letter and hold only a-z, 0-9, "_" and "-"',
});

/** Retry policy overrides for one step. */
export const retrySchema = z
  .object({
    maxAttempts: z.int().min(1).max(1000).optional(),
    initialInterval: duration.optional(),
    backoff: z.number().min(1).max(100).optional(),
    maxInterval: duration.optional(),
  })
  .strict();

/** The response limiter: at most one execution per key per window. */
export const throttleSchema = z.object({ key: z.string().min(1), window: duration }).strict();

/** One step of a chain. */
export const stepSchema = z
  .object({
    id: stepIdSchema,
    action: z.string().min(1, { message: 'name an action from the catalogue' }),
    description: z.string().optional(),
    mode: z.enum(['once', 'each']).default('once'),
    when: z.string().optional(),
    with: z.record(z.string(), z.unknown()).default({}),
    connection: z.string().min(1).optional(),
    host: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'name the executor host by its task queue name' }).optional(),
    throttle: throttleSchema.optional(),
    retry: retrySchema.optional(),
    timeout: duration.optional(),
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
    every: duration.optional(),
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

/** A chain's name, which is also its job's name in the jobs directory. */
export const JOB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

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
    timeframe: duration.optional(),
    /** The detection rule this job responds to: while the rule is disabled, its jobs do not start. */
    rule: z.string().min(1).optional(),
    steps: z.array(stepSchema).min(1, { message: 'a chain needs at least one step' }),
  })
  .strict();

/** A validated chain with defaults applied. */
export type Chain = z.output<typeof chainSchema>;
/** A step with defaults applied. */
export type Step = z.output<typeof stepSchema>;
/** A chain as written in a file. */
export type ChainInput = z.input<typeof chainSchema>;
