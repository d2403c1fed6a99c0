// The seam between the intake API's event routes and what reacts to events (Insight jobs, sensor watch, rule guard).
import type { FireReport, Insight } from '../dsl';
import { fireEvent } from './events';
import type { RunStarterDeps } from './job-runs';
import { reportRuleSignals } from './rule-guard';
import { recordHeartbeat } from './sensors';

/** The Insight events a job can subscribe to with `on`. */
export const INSIGHT_EVENTS = ['insight.created', 'insight.closed', 'insight.on_demand'] as const;
/** An Insight event type. */
export type InsightEventType = (typeof INSIGHT_EVENTS)[number];

/**
 * What the intake API hands events to. The API validates each body and calls one method;
 * {@link TemporalEventSink} is the implementation, the same code the CLI commands call.
 */
export interface EventSink {
  /** An Insight was created, closed, or asked for on demand; `id` (the event id) makes the event idempotent, `job` picks one job. */
  fireEvent(type: InsightEventType, payload: { insight: Insight; id?: string; job?: string }): Promise<FireReport>;
  /** A sensor said it is alive at `at`. */
  heartbeat(sensorId: string, at: Date, details?: { name?: string }): Promise<void>;
  /** A rule produced `count` signals in the window ending at `at`. */
  reportSignals(ruleId: string, count: number, at: Date, details?: { name?: string }): Promise<void>;
}

/**
 * Events as `riposte fire`, `riposte sensor heartbeat` and `riposte rule signals` handle them:
 * Insight events go through {@link fireEvent} (run ids `event/<event>/<id>/<job>`, jobs of a
 * disabled rule skipped), heartbeats to the sensor's watcher workflow, which fires
 * `sensor.offline`, and signal counts to the rule's guard workflow, which fires `rule.disabled`.
 */
export class TemporalEventSink implements EventSink {
  constructor(private readonly deps: RunStarterDeps) {}

  fireEvent(type: InsightEventType, payload: { insight: Insight; id?: string; job?: string }): Promise<FireReport> {
    const { client, config, store, uiUrl } = this.deps;
    return fireEvent(client, config, { type, insight: payload.insight, ...(payload.id ? { id: payload.id } : {}) }, { store, ...(uiUrl ? { uiUrl } : {}), ...(payload.job ? { job: payload.job } : {}) });
  }

  heartbeat(sensorId: string, at: Date, details: { name?: string } = {}): Promise<void> {
    return recordHeartbeat(this.deps.client, this.deps.config, sensorId, { at, ...(details.name ? { name: details.name } : {}) });
  }

  reportSignals(ruleId: string, count: number, at: Date, details: { name?: string } = {}): Promise<void> {
    return reportRuleSignals(this.deps.client, this.deps.config, ruleId, count, { at, ...(details.name ? { name: details.name } : {}) });
  }
}
