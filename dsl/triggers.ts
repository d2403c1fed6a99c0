// Event triggers: the events a job subscribes to, what each carries, and the state of sensor and rule watchers.
import { z } from 'zod';
import { insightInputSchema, type Insight } from './insight';

export { NOT_ON_CLOSE_ACTIONS, checkEventSubscriptions } from './closed-insight';

/** A network sensor as a `sensor.offline` event carries it. */
export const sensorSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    /** When the last heartbeat arrived (ISO 8601). */
    lastHeartbeat: z.string().optional(),
    /** When the sensor was declared offline (ISO 8601). */
    offlineAt: z.string().optional(),
    /** The silence window that expired, e.g. "10m". */
    window: z.string().optional(),
  })
  .loose();

/** A sensor in an event. */
export type Sensor = z.output<typeof sensorSchema>;

/** A rule as a `rule.disabled` event carries it. */
export const ruleSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    reason: z.string().min(1),
    disabledAt: z.string().optional(),
  })
  .loose();

/** A rule in an event. */
export type RuleInfo = z.output<typeof ruleSchema>;

/**
 * An event to fire, as the CLI and the intake API hand it over; `id` makes the starts idempotent.
 * An Insight may come bare or in the Cloud SIEM API's `{ data, errors }` envelope.
 */
export const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['insight.created', 'insight.closed', 'insight.on_demand']), id: z.string().min(1).optional(), insight: insightInputSchema }).strict(),
  z.object({ type: z.literal('sensor.offline'), id: z.string().min(1).optional(), sensor: sensorSchema }).strict(),
  z.object({ type: z.literal('rule.disabled'), id: z.string().min(1).optional(), rule: ruleSchema }).strict(),
]);

/** An event before validation. */
export type EventInput = z.input<typeof eventSchema>;
/** A validated event. */
export type RiposteEvent = z.output<typeof eventSchema>;

/** One run an event started (or found already started, when the event was fired before). */
export interface EventRun {
  job: string;
  /** The run's id (its workflow id), derived from the event id and the job name. */
  runId: string;
  /** False when the same event had already started this job: nothing new was started. */
  started: boolean;
  url?: string;
}

/** A subscribed job the event did not start, and why. */
export interface SkippedJob {
  job: string;
  reason: string;
}

/** What firing an event did. */
export interface FireReport {
  event: string;
  eventId: string;
  runs: EventRun[];
  skipped: SkippedJob[];
}

/** Activities the trigger workflows call. */
export interface TriggerActivities {
  /** Starts every active job subscribed to the event (idempotent per event id and job). */
  fireEvent(event: EventInput): Promise<FireReport>;
}

/** One outage of a sensor. */
export interface Outage {
  offlineAt: string;
  /** Runs started by the `sensor.offline` event of this outage. */
  runs: string[];
  /** The `sensor.recovered` record: when the next heartbeat came. */
  recoveredAt?: string;
  /** Why firing `sensor.offline` failed, when it did. */
  error?: string;
}

/** A sensor watcher's state, as the `sensorStatus` query answers it. */
export interface SensorState {
  id: string;
  name?: string;
  status: 'online' | 'offline';
  windowMs: number;
  lastHeartbeat?: string;
  heartbeats: number;
  /** Most recent outages, oldest first (bounded). */
  outages: Outage[];
}

/** A heartbeat signal: the sensor's silence window rides with it so configuration changes apply at once. */
export interface Heartbeat {
  at: string;
  windowMs: number;
  name?: string;
}

/** Limits of the rule guard: signals per sliding hour and per sliding 24 hours. */
export interface RuleLimits {
  hour: number;
  day: number;
}

/** A change to a rule made by a person; none of them fires anything. */
export type RuleOperation = 'enable' | 'disable' | 'prototype' | 'production';

/** A rule guard's state, as the `ruleStatus` query answers it. */
export interface RuleState {
  id: string;
  name: string;
  enabled: boolean;
  prototype: boolean;
  /** Who disabled it: the guard (fires `rule.disabled`) or a person (fires nothing). */
  disabledBy?: 'guard' | 'manual';
  reason?: string;
  disabledAt?: string;
  /** Signals in the sliding hour and the sliding 24 hours. */
  signals: { hour: number; day: number };
  limits: RuleLimits;
  /** Times the guard disabled the rule, each firing `rule.disabled` once. */
  autoDisables: number;
  /** Why the last `rule.disabled` firing failed, when it did. */
  fireError?: string;
}

/** Why a disabled rule's jobs do not start, as every starter (events, schedules, the intake API) says it. */
export function disabledRuleMessage(state: Pick<RuleState, 'id' | 'reason'>): string {
  return `rule "${state.id}" is disabled${state.reason ? ` (${state.reason})` : ''}`;
}

/** The sensor watcher's workflow type; one per sensor, id `sensor/<id>`. */
export const SENSOR_WORKFLOW = 'watchSensor';
/** The rule guard's workflow type; one per rule, id `rule/<id>`. */
export const RULE_WORKFLOW = 'guardRule';

/** The workflow id of a sensor's watcher. */
export function sensorWorkflowId(sensorId: string): string {
  return `sensor/${sensorId}`;
}

/** The workflow id of a rule's guard. */
export function ruleWorkflowId(ruleId: string): string {
  return `rule/${ruleId}`;
}

/** The single result row of an event's run: the Insight, the sensor or the rule. */
export function eventResult(event: RiposteEvent): Record<string, unknown> {
  if ('insight' in event) return event.insight as Insight;
  if ('sensor' in event) return event.sensor;
  return event.rule;
}
