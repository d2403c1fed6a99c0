// Live progress of a running run, read from the workflow's `status` query.
import type { WorkflowHandle } from '@temporalio/client';
import type { RunStatus } from '../dsl';

/** Where a running run is: its current step and, for an `each` step, how many results are done. */
export interface RunProgress {
  currentStep: string | null;
  done?: number;
  total?: number;
}

/** Asks a running run where it is; undefined when it cannot answer (finished, or no worker yet). */
export async function queryProgress(handle: WorkflowHandle): Promise<RunProgress | undefined> {
  try {
    const status = await handle.query<RunStatus>('status');
    return { currentStep: status.currentStep, ...(status.progress ? { done: status.progress.done, total: status.progress.total } : {}) };
  } catch {
    return undefined;
  }
}

/** One progress line: `step "tag": 3/10 results`. */
export function formatProgress(p: RunProgress): string {
  if (p.currentStep === null) return 'finishing';
  return `step "${p.currentStep}"${p.total !== undefined ? `: ${p.done ?? 0}/${p.total} result${p.total === 1 ? '' : 's'}` : ''}`;
}

/** Polls the run's progress and writes a line each time it changes, until stopped. */
export function watchProgress(handle: WorkflowHandle, write: (line: string) => void, intervalMs = 1_000): { stop(): void } {
  let last = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const p = await queryProgress(handle);
    if (stopped) return;
    if (p) {
      const line = formatProgress(p);
      if (line !== last) write(`  ... ${line}`);
      last = line;
    }
    timer = setTimeout(() => void tick(), intervalMs);
  };
  timer = setTimeout(() => void tick(), intervalMs);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
