// The Temporal SDK's own logs (Runtime, worker, workflows, activities, Core) as events of riposte's logger.
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
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
