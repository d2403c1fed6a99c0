// Retention: result sets, step outputs, delivery records and throttle keys are purged from the store by a timer in each worker.
//
// A timer rather than a Temporal Schedule: the purge is one idempotent DELETE per table, so it needs
// neither exactly-once execution nor durability (a purge missed while no worker runs is done by the
// next one), and several workers sharing a PostgreSQL store purging at once delete the same rows
// harmlessly. A Schedule would add a workflow type, a schedule to create and keep in step in every
// namespace (with the permission to do so, which a worker's Temporal Cloud key may lack) and history
// events for a chore, and its activity would still run in a worker holding the store.
import type { NativeConnection } from '@temporalio/worker';
import { durationMs } from '../dsl';
import type { PurgeCounts, Store } from '../store/store';
import type { Config } from '../config/config';
import type { Logger } from '../config/log';

/** The retention when the configuration names none and the namespace's cannot be read. */
export const DEFAULT_RETENTION_MS = 7 * 86_400_000;

/** The namespace's workflow retention (how long Temporal keeps a closed run's history), or undefined when it cannot be read. */
export async function namespaceRetentionMs(connection: Pick<NativeConnection, 'workflowService'>, namespace: string): Promise<number | undefined> {
  try {
    const described = await connection.workflowService.describeNamespace({ namespace });
    const ttl = described.config?.workflowExecutionRetentionTtl;
    const seconds = Number(ttl?.seconds ?? 0) + Number(ttl?.nanos ?? 0) / 1e9;
    return seconds > 0 ? Math.round(seconds * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long the store keeps what runs leave behind: `retention.period`, else as long as Temporal
 * keeps the runs' histories (the namespace's retention: after that, nothing refers to those rows),
 * else 7 days.
 */
export async function retentionMs(config: Config, connection?: Pick<NativeConnection, 'workflowService'>): Promise<{ ms: number; from: 'configuration' | 'namespace' | 'default' }> {
  if (config.retention.period) return { ms: durationMs(config.retention.period), from: 'configuration' };
  const fromNamespace = connection ? await namespaceRetentionMs(connection, config.temporal.namespace) : undefined;
  return fromNamespace ? { ms: fromNamespace, from: 'namespace' } : { ms: DEFAULT_RETENTION_MS, from: 'default' };
}

/** A running purge timer. */
export interface Retention {
  /** Purges now (waits for a purge under way first). */
  purgeNow(): Promise<PurgeCounts>;
  /** Stops the timer and waits for a purge under way. */
  stop(): Promise<void>;
}

/**
 * Purges at once and then every `everyMs`: everything older than `periodMs`. A failed purge (the
 * store unreachable) is logged and tried again at the next tick. The timer does not keep the
 * process alive.
 */
export function startRetention(options: { store: Store; periodMs: number; everyMs: number; logger: Logger }): Retention {
  const { store, periodMs, everyMs, logger } = options;
  let running: Promise<PurgeCounts> | undefined;
  const purge = (): Promise<PurgeCounts> => {
    const previous = running ?? Promise.resolve(undefined);
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const started = Date.now();
        const counts = await store.purgeBefore(started - periodMs, started);
        logger.info({ event: 'retention.purged', ...counts, retentionMs: periodMs, durationMs: Date.now() - started }, `store purged of what is older than ${Math.round(periodMs / 1000)}s`);
        return counts;
      });
    running = next;
    return next;
  };
  const tick = () => {
    purge().catch((err: unknown) => logger.warn({ event: 'retention.failed', error: (err as Error).message }, `store purge failed; trying again in ${Math.round(everyMs / 1000)}s`));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    purgeNow: purge,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** Starts the worker's purge timer with the configured (or the namespace's) retention. */
export async function startConfiguredRetention(config: Config, store: Store, connection: Pick<NativeConnection, 'workflowService'>, logger: Logger): Promise<Retention> {
  const period = await retentionMs(config, connection);
  const everyMs = durationMs(config.retention.purgeEvery);
  logger.info({ event: 'retention.started', retentionMs: period.ms, from: period.from, purgeEveryMs: everyMs }, `keeping result sets, step outputs, deliveries and throttle keys for ${Math.round(period.ms / 1000)}s (${period.from}); purging every ${Math.round(everyMs / 1000)}s`);
  return startRetention({ store, periodMs: period.ms, everyMs, logger });
}
