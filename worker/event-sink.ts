// The seam between the intake API's event routes and what reacts to events (Insight jobs, sensor watch, rule guard).
import type { Insight } from '../dsl';
import type { Config } from './config';
import { loadJobs } from './jobs';
import { startJobRun, type RunStarterDeps, type StartedRun } from './job-runs';

/** The Insight events a job can subscribe to with `on`. */
export const INSIGHT_EVENTS = ['insight.created', 'insight.closed', 'insight.on_demand'] as const;
/** An Insight event type. */
export type InsightEventType = (typeof INSIGHT_EVENTS)[number];

/** What firing an event did. */
export interface EventOutcome {
  /** The runs started (or found again, for a repeated trigger id), one per subscribed active job. */
  runs: StartedRun[];
}

/**
 * What the intake API hands events to. The API validates each body and calls one method; the
 * implementation decides what starts. {@link JobEventSink} is the minimal one: it starts the jobs
 * subscribed to Insight events and only records heartbeats and signal counts. The sensor watch
 * (`sensor.offline`) and the rule guard (`rule.disabled`) implement `heartbeat` and `reportSignals`.
 */
export interface EventSink {
  /** An Insight was created, closed, or asked for on demand; `triggerId` makes the event idempotent. */
  fireEvent(type: InsightEventType, payload: { insight: Insight; triggerId: string }): Promise<EventOutcome>;
  /** A sensor said it is alive at `at`. */
  heartbeat(sensorId: string, at: Date, details?: { name?: string }): Promise<void>;
  /** A rule produced `count` signals in the window ending at `at`. */
  reportSignals(ruleId: string, count: number, at: Date, details?: { name?: string }): Promise<EventOutcome>;
}

/**
 * Starts, for an Insight event, each active job whose `on` lists it, with the Insight in the
 * trigger (`trigger.insight`) and no results; the run id is `<job>-<event>-<trigger id>`, so a
 * repeated event starts nothing new. Heartbeats and signal counts are kept in memory only.
 */
export class JobEventSink implements EventSink {
  /** Last heartbeat per sensor. */
  readonly heartbeats = new Map<string, Date>();
  /** Last reported signal count per rule. */
  readonly signalCounts = new Map<string, { count: number; at: Date }>();

  constructor(private readonly deps: RunStarterDeps & { config: Config }) {}

  async fireEvent(type: InsightEventType, payload: { insight: Insight; triggerId: string }): Promise<EventOutcome> {
    const catalog = loadJobs(this.deps.config);
    const runs: StartedRun[] = [];
    for (const { chain } of catalog.jobs.values()) {
      if (!chain.active || !chain.on?.includes(type)) continue;
      runs.push(await startJobRun(this.deps, chain, { results: [], trigger: { type, insight: payload.insight }, triggerId: `${type}-${payload.triggerId}` }));
    }
    return { runs };
  }

  async heartbeat(sensorId: string, at: Date): Promise<void> {
    this.heartbeats.set(sensorId, at);
  }

  async reportSignals(ruleId: string, count: number, at: Date): Promise<EventOutcome> {
    this.signalCounts.set(ruleId, { count, at });
    return { runs: [] };
  }
}
