// Long-running watchers: one per sensor (offline after a silence window) and one per rule (the signal-count guard).
import { condition, continueAsNew, defineQuery, defineSignal, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Heartbeat, Outage, RuleLimits, RuleOperation, RuleState, SensorState, TriggerActivities } from '../dsl/model';

// Bounded, so a failure reaches the watcher's state; the watcher then tries again later itself.
const { fireEvent } = proxyActivities<TriggerActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 4 },
});

/** Marks watcher histories that retry a failed firing on a timer; older histories replay without it. */
const FIRE_RETRY_PATCH = 'fire-retry-on-timer';
/** Later tries after a failed firing, each after twice the previous wait. */
const FIRE_RETRIES = 6;
/** The first wait before a later try (1 minute): the jobs directory or the server has time to come back. */
const FIRE_RETRY_MS = 60_000;

/** A heartbeat from the sensor; resets its silence timer. */
export const heartbeatSignal = defineSignal<[Heartbeat]>('heartbeat');
/** The sensor's state: online or offline, last heartbeat, recent outages and their recoveries. */
export const sensorStatusQuery = defineQuery<SensorState>('sensorStatus');

/** Outages kept in the state; older ones are dropped at continue-as-new. */
const KEPT_OUTAGES = 20;
/** A long-lived watcher starts afresh before its history grows large. */
const HISTORY_BOUND = 2_000;

/** Tuning of a watcher, carried across continue-as-new. */
export interface WatcherOptions {
  /** History events after which the watcher continues as new (default 2,000). */
  historyBound?: number;
  /** The wait before the first later try of a failed firing, doubled for each next one (default 1 minute). */
  fireRetryMs?: number;
}

/**
 * Fires an event; when every activity attempt failed, records the failure (it stays visible until
 * a try succeeds) and tries again on a durable timer, {@link FIRE_RETRIES} times with doubling waits.
 * The event id is fixed, so a later try never starts a job twice.
 */
async function fireWithRetries(fire: () => Promise<void>, failed: (error: string) => void, options: WatcherOptions): Promise<void> {
  for (let retry = 0; ; retry++) {
    try {
      await fire();
      return;
    } catch (err) {
      failed(errorMessage(err));
      if (retry >= FIRE_RETRIES || !patched(FIRE_RETRY_PATCH)) return;
      await sleep((options.fireRetryMs ?? FIRE_RETRY_MS) * 2 ** retry);
    }
  }
}

/** The message of an activity failure (its cause's, which names the event). */
function errorMessage(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err as Error).message ?? String(err);
}

function shouldRenew(options: WatcherOptions): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > (options.historyBound ?? HISTORY_BOUND);
}

/**
 * Watches one sensor (workflow id `sensor/<id>`, started by signal-with-start on its first
 * heartbeat). Each heartbeat resets a durable timer of the sensor's window; when the timer expires
 * the sensor is offline and `sensor.offline` fires ONCE for that outage. The next heartbeat records
 * the recovery. No polling: the workflow sleeps on the timer and the signal.
 */
export async function watchSensor(initial: SensorState, options: WatcherOptions = {}): Promise<void> {
  const state: SensorState = { ...initial, outages: [...initial.outages] };
  let pending = 0;
  setHandler(heartbeatSignal, (beat) => {
    pending++;
    state.heartbeats++;
    state.lastHeartbeat = beat.at;
    state.windowMs = beat.windowMs;
    if (beat.name) state.name = beat.name;
    if (state.status === 'offline') {
      state.status = 'online';
      const outage = state.outages.at(-1);
      if (outage && !outage.recoveredAt) outage.recoveredAt = beat.at;
    }
  });
  setHandler(sensorStatusQuery, () => state);

  for (;;) {
    if (shouldRenew(options)) {
      await continueAsNew<typeof watchSensor>({ ...state, outages: state.outages.slice(-KEPT_OUTAGES) }, options);
    }
    if (state.status === 'online') {
      pending = 0;
      const heard = await condition(() => pending > 0, state.windowMs);
      if (heard) continue;
      state.status = 'offline';
      const offlineAt = new Date(Date.now()).toISOString();
      const outage: Outage = { offlineAt, runs: [] };
      state.outages.push(outage);
      const sensor = { id: state.id, ...(state.name ? { name: state.name } : {}), ...(state.lastHeartbeat ? { lastHeartbeat: state.lastHeartbeat } : {}), offlineAt, window: `${state.windowMs / 1000}s` };
      // The watcher must outlive a failed firing: it is recorded and tried again, and the sensor stays watched.
      await fireWithRetries(
        async () => {
          const report = await fireEvent({ type: 'sensor.offline', id: `${state.id}@${offlineAt}`, sensor });
          outage.runs = report.runs.map((r) => r.runId);
          delete outage.error;
        },
        (error) => (outage.error = error),
        options,
      );
    } else {
      await condition(() => state.status === 'online' || shouldRenew(options));
    }
  }
}

/** Signal counts reported for the rule: `{ count, at }`. */
export const reportSignalsSignal = defineSignal<[{ count: number; at: string; name?: string; limits: RuleLimits }]>('reportSignals');
/** A change made by a person (enable, disable, prototype, production); fires nothing. */
export const ruleOperationSignal = defineSignal<[{ operation: RuleOperation; at: string; name?: string }]>('ruleOperation');
/** The rule's state: enabled, prototype, who disabled it and why, signals in the sliding windows. */
export const ruleStatusQuery = defineQuery<RuleState>('ruleStatus');

/** What the guard carries across continue-as-new: its state and the per-minute signal counts. */
export interface RuleGuardInput {
  state: RuleState;
  /** `[minute since the epoch, signals]`, oldest first, at most 24 hours of them. */
  buckets: [number, number][];
}

const MINUTE = 60_000;
const HOUR_MINUTES = 60;
const DAY_MINUTES = 24 * 60;

/**
 * Guards one rule (workflow id `rule/<id>`). The per-rule state lives in this workflow rather than
 * in the store: reports for one rule are serialized by Temporal (no lost updates without locking),
 * the sliding windows need no table of counts, the disabling and its `rule.disabled` event happen
 * in one durable step that a crashed worker resumes, and the state is readable by query. Counts
 * are kept per minute, so the sliding hour and 24 hours move a minute at a time.
 */
export async function guardRule(input: RuleGuardInput, options: WatcherOptions = {}): Promise<void> {
  const state: RuleState = { ...input.state };
  let buckets: [number, number][] = input.buckets.map(([m, c]) => [m, c]);
  const toFire: { reason: string; disabledAt: string }[] = [];

  const minuteOf = (iso: string) => Math.floor(Date.parse(iso) / MINUTE);
  const windows = (nowMinute: number) => ({
    hour: buckets.filter(([m]) => m > nowMinute - HOUR_MINUTES).reduce((sum, [, c]) => sum + c, 0),
    day: buckets.filter(([m]) => m > nowMinute - DAY_MINUTES).reduce((sum, [, c]) => sum + c, 0),
  });
  const recount = (nowMinute: number) => {
    buckets = buckets.filter(([m]) => m > nowMinute - DAY_MINUTES);
    state.signals = windows(nowMinute);
  };

  setHandler(reportSignalsSignal, ({ count, at, name, limits }) => {
    if (name) state.name = name;
    state.limits = limits;
    // A disabled rule produces no signals; late reports do not count towards a fresh window.
    if (!state.enabled) return;
    const minute = Number.isFinite(minuteOf(at)) ? minuteOf(at) : Math.floor(Date.now() / MINUTE);
    const last = buckets.at(-1);
    if (last && last[0] === minute) last[1] += count;
    else buckets.push([minute, count]);
    recount(Math.max(minute, Math.floor(Date.now() / MINUTE)));
    const over =
      state.signals.hour > limits.hour
        ? `produced ${state.signals.hour} signals in one hour, more than the limit of ${limits.hour}`
        : state.signals.day > limits.day
          ? `produced ${state.signals.day} signals in 24 hours, more than the limit of ${limits.day}`
          : undefined;
    if (!over) return;
    state.enabled = false;
    state.disabledBy = 'guard';
    state.reason = over;
    state.disabledAt = at;
    state.autoDisables++;
    toFire.push({ reason: over, disabledAt: at });
  });

  setHandler(ruleOperationSignal, ({ operation, at, name }) => {
    if (name) state.name = name;
    switch (operation) {
      case 'enable':
        // A re-enabled rule starts from empty windows, or the guard would disable it again at once.
        state.enabled = true;
        delete state.disabledBy;
        delete state.reason;
        delete state.disabledAt;
        buckets = [];
        state.signals = { hour: 0, day: 0 };
        break;
      case 'disable':
        if (!state.enabled) break;
        state.enabled = false;
        state.disabledBy = 'manual';
        state.reason = 'disabled by hand';
        state.disabledAt = at;
        break;
      case 'prototype':
        state.prototype = true;
        break;
      case 'production':
        state.prototype = false;
        break;
    }
  });
  // A query must not change state: it computes the windows as of now without pruning.
  setHandler(ruleStatusQuery, () => ({ ...state, signals: windows(Math.floor(Date.now() / MINUTE)) }));

  for (;;) {
    await condition(() => toFire.length > 0 || shouldRenew(options));
    const next = toFire.shift();
    if (next) {
      const rule = { id: state.id, name: state.name, reason: next.reason, disabledAt: next.disabledAt, signals: { ...state.signals }, limits: { ...state.limits } };
      // The guard must outlive a failed firing: it is recorded in the rule's state and tried again.
      await fireWithRetries(
        async () => {
          await fireEvent({ type: 'rule.disabled', id: `${state.id}@${next.disabledAt}`, rule });
          delete state.fireError;
        },
        (error) => (state.fireError = error),
        options,
      );
      continue;
    }
    await continueAsNew<typeof guardRule>({ state, buckets }, options);
  }
}
