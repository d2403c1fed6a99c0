// Starting a job's run for a trigger, at most once per trigger id, as the intake API and events do.
import crypto from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Chain, ResultRow, Trigger } from '../dsl';
import type { Store } from '../store/store';
import { latestRunId, runUrl, startRun } from './client';
import type { Config } from '../config/config';

/** What a start returns: the run id, its UI link, and whether this call started it. */
export interface StartedRun {
  runId: string;
  job: string;
  url?: string;
  /** False when a run with this trigger id already existed: the same run is returned. */
  created: boolean;
}

/** What starting runs needs: the client, the configuration, and the store for large result sets. */
export interface RunStarterDeps {
  client: Client;
  config: Config;
  store: Store;
  uiUrl?: string;
}

/** Trigger ids: printable, no spaces, at most 200 characters (they become part of the workflow id). */
export const TRIGGER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

/**
 * Starts a run of `chain`; the workflow id is `<job>-<trigger id>` (`inline:<chain>-<trigger id>` for a
 * chain given inline) and is never reused, so the same
 * trigger id twice yields one run. Without a trigger id every call starts a new run.
 */
export async function startJobRun(
  deps: RunStarterDeps,
  chain: Chain,
  options: { results: ResultRow[]; params?: Record<string, unknown>; trigger: Trigger; triggerId?: string; inline?: boolean },
): Promise<StartedRun> {
  const key = options.triggerId ?? crypto.randomUUID();
  // Inline chains run under ids of their own (":" never appears in a job name), so an inline chain can never take a job run's id first.
  const workflowId = options.inline ? `inline:${chain.name}-${key}` : `${chain.name}-${key}`;
  const namespace = deps.config.temporal.namespace;
  try {
    const handle = await startRun(deps.client, {
      chain,
      results: options.results,
      params: options.params,
      trigger: { ...options.trigger, id: key },
      taskQueue: deps.config.temporal.taskQueue,
      globals: deps.config.globals,
      uiUrl: deps.uiUrl,
      workflowId,
      store: deps.store,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return { runId: workflowId, job: chain.name, url: runUrl(deps.uiUrl, namespace, workflowId, handle.firstExecutionRunId), created: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // The run this trigger id started before: its link names that run.
    const runId = deps.uiUrl ? await latestRunId(deps.client, workflowId) : undefined;
    return { runId: workflowId, job: chain.name, url: runId ? runUrl(deps.uiUrl, namespace, workflowId, runId) : undefined, created: false };
  }
}
