// events.log: appends the results as JSON lines to job_scheduler.log in the data directory.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { actionFailure } from '../shared/errors';
import { loadAllResults, originOf, type ActivityDeps } from '../shared/deps';

/** The scheduler log's file name, as Smart Monitor's Job Scheduler names it. */
export const SCHEDULER_LOG = 'job_scheduler.log';

/**
 * Appends one line per result in a single write: with O_APPEND, lines from concurrent runs never
 * interleave. Each line names its run, step and result so a line repeated by a retry can be told apart.
 */
export function logEventsAction(deps: ActivityDeps) {
  return async function logEvents(request: ActionRequest<'events.log'>): Promise<ActionOutputs['events.log']> {
    const { file, lines, count } = await logLines(deps, request, new Date());
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      if (count > 0) await fs.appendFile(file, `${lines.join('\n')}\n`, { flag: 'a' });
    } catch (err) {
      throw actionFailure('StoreUnavailableError', `${originOf(request)}: cannot append to ${file}: ${(err as Error).message}`);
    }
    return { file, lines: count };
  };
}

/** The lines an execution appends, one per result, and the file they go to. */
export async function logLines(deps: ActivityDeps, request: ActionRequest<'events.log'>, now: Date): Promise<{ file: string; lines: string[]; count: number }> {
  const file = path.join(deps.config.dataDir, SCHEDULER_LOG);
  const rows = request.resultsRef ? await loadAllResults(deps, request.resultsRef) : request.results ?? [];
  const timestamp = now.toISOString();
  const lines = rows
    .map((result, i) =>
      JSON.stringify({
        timestamp,
        level: 'INFO',
        job: request.job.name,
        run_id: request.run.id,
        step_id: request.stepId,
        result_index: request.index ?? i,
        ...(request.params.message ? { message: request.params.message } : {}),
        result,
      }),
    );
  return { file, lines, count: rows.length };
}

