// The Temporal SDK's own logs (Runtime, worker, workflows, activities, Core) as events of riposte's logger.
import { DefaultLogger, type LogEntry, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';
import { logger } from '../config/log';

const SDK_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** Renames the SDK's metadata to riposte's field names: the workflow id is the run id. */
function sdkFields(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return { component: 'temporal' };
  const { workflowId, runId, activityType, attempt, error, ...rest } = meta;
  return {
    component: 'temporal',
    ...rest,
    ...(workflowId !== undefined ? { runId: workflowId } : {}),
    ...(runId !== undefined ? { temporalRunId: runId } : {}),
    ...(activityType !== undefined ? { action: activityType } : {}),
    ...(attempt !== undefined ? { attempt } : {}),
    ...(error instanceof Error ? { err: error } : error !== undefined ? { error: String(error) } : {}),
  };
}

/**
 * The Temporal SDK's logger (Runtime, worker, workflow and activity logs, and Core's forwarded
 * ones) as events of the process's logger. Every entry reaches it (level TRACE), the pino level
 * decides what is written.
 */
export function temporalLogger(): DefaultLogger {
  return new DefaultLogger('TRACE', (entry: LogEntry) => {
    logger()[SDK_LEVELS[entry.level] ?? 'info'](sdkFields(entry.meta as Record<string, unknown> | undefined), entry.message);
  });
}

/**
 * The Runtime's logger, with what riposte's logger would drop dropped first. With Core's logs
 * forwarded, the SDK buffers every message sent to the Runtime's logger for 100 ms to order them
 * by time (see `RuntimeOptions.telemetryOptions.logging`), the worker's trace messages included
 * (one per activation and more), only for pino to discard them: about 2.5 % of a busy worker's
 * main thread. The level is read at each call, so a logger configured later still decides.
 */
export function levelGated(inner: Logger): Logger {
  const on = (level: LogLevel) => logger().isLevelEnabled(SDK_LEVELS[level] ?? 'info');
  const gated: Logger & { flush?: () => void; close?: () => void } = {
    log: (level: LogLevel, message: string, meta?: LogMetadata) => (on(level) ? inner.log(level, message, meta) : undefined),
    trace: (message: string, meta?: LogMetadata) => (on('TRACE') ? inner.trace(message, meta) : undefined),
    debug: (message: string, meta?: LogMetadata) => (on('DEBUG') ? inner.debug(message, meta) : undefined),
    info: (message: string, meta?: LogMetadata) => (on('INFO') ? inner.info(message, meta) : undefined),
    warn: (message: string, meta?: LogMetadata) => (on('WARN') ? inner.warn(message, meta) : undefined),
    error: (message: string, meta?: LogMetadata) => (on('ERROR') ? inner.error(message, meta) : undefined),
  };
  // The Runtime flushes and closes its logger at shutdown, when the logger has those.
  const { flush, close } = inner as { flush?: () => void; close?: () => void };
  if (flush) gated.flush = () => flush();
  if (close) gated.close = () => close();
  return gated;
}
