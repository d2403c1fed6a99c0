// job.run: another job of the jobs directory runs as a child of this run, waited for or left to run on its own.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, ChildWorkflowFailure, ParentClosePolicy, executeChild, startChild } from '@temporalio/workflow';
import { CATALOGUE, ENGINE, JOB_NAME_PATTERN, MAX_JOB_DEPTH, RUN_WORKFLOW, type ActionParams, type Chain, type JobRunOutput, type RunInput, type RunOutcome, type Step, type Trigger } from '../dsl/model';
import { endsCancelled, engine } from './engine';
import type { JobRunArgs } from './ports';

/** The child's outcome, or why it could not run or did not complete. */
export type JobRunResult = { output: JobRunOutput } | { error: string };

/**
 * The rendered job.run parameters with their defaults. job.run runs in the workflow, where zod is
 * not loaded (see worker/inert-zod.ts), so the rendered values are checked here by hand; the
 * schema in dsl/actions/job-run.ts checked everything that was not a token before the run started.
 */
function jobRunParamsOf(rendered: unknown, step: Step): { params: ActionParams<'job.run'> } | { error: string } {
  const raw = (rendered ?? {}) as Record<string, unknown>;
  const at = (field: string) => `step "${step.id}" (job.run): with.${field}`;
  if (typeof raw.job !== 'string' || !JOB_NAME_PATTERN.test(raw.job)) {
    return { error: `${at('job')}: name a job of the jobs directory (its chain "name"); rendered value: ${JSON.stringify(raw.job)}` };
  }
  for (const field of ['wait', 'passResults', 'allResults'] as const) {
    if (raw[field] !== undefined && typeof raw[field] !== 'boolean') return { error: `${at(field)}: write true or false` };
  }
  if (raw.params !== undefined && (typeof raw.params !== 'object' || raw.params === null || Array.isArray(raw.params))) {
    return { error: `${at('params')}: write an object of params` };
  }
  return {
    params: {
      job: raw.job,
      params: (raw.params as Record<string, unknown> | undefined) ?? {},
      wait: (raw.wait as boolean | undefined) ?? true,
      passResults: (raw.passResults as boolean | undefined) ?? false,
      allResults: (raw.allResults as boolean | undefined) ?? false,
    },
  };
}

/**
 * Starts the job as a child workflow whose id derives from this run, the step and the result, so a
 * replayed or repeated execution finds the same child instead of starting a second one.
 */
export async function runJob({ scope, step, rendered, index, result }: JobRunArgs): Promise<JobRunResult> {
  const checked = jobRunParamsOf(rendered, step);
  if ('error' in checked) return checked;
  const params = checked.params;
  const trigger = scope.base.trigger as Trigger;
  const depth = (trigger.type === 'job' && typeof trigger.depth === 'number' ? trigger.depth : 0) + 1;
  if (depth > MAX_JOB_DEPTH) {
    return { error: `job "${params.job}" would run ${depth} levels deep; job.run nests at most ${MAX_JOB_DEPTH} levels (does a job start itself through a job name built from tokens?)` };
  }
  let chain: Chain;
  try {
    ({ chain } = await engine.loadJob({ name: params.job, origin: `step "${step.id}" (job.run)` }));
  } catch (err) {
    if (endsCancelled(err)) throw err;
    if (err instanceof ActivityFailure) return { error: err.cause?.message ?? err.message };
    throw err;
  }
  const workflowId = `${scope.keyBase ?? scope.runId}/job/${step.id}/${index ?? 'once'}`;
  // Run Once hands the job the first result, as the seed's sentence for this action says; allResults hands it all.
  const one = index !== null ? result : scope.base.results[0];
  const rows = !params.passResults
    ? { results: [] }
    : index !== null || !params.allResults
      ? { results: one ? [one] : [] }
      : scope.resultsRef
        ? { results: [], resultsRef: scope.resultsRef }
        : { results: scope.base.results };
  const input: RunInput = {
    chain,
    ...rows,
    params: params.params,
    trigger: { type: 'job', id: workflowId, depth, parent: { job: scope.chain.name, runId: scope.runId, step: step.id, index } },
    globals: scope.base.globals,
    // A run of this generation starts its jobs as one; a run started before it starts them as it did.
    ...(scope.engine !== undefined ? { engine: ENGINE } : {}),
  };
  const options = { workflowId, args: [input] as [RunInput], staticSummary: `${chain.name}: started by ${scope.chain.name} step ${step.id}` };
  try {
    if (!params.wait) {
      await startChild(RUN_WORKFLOW, { ...options, parentClosePolicy: ParentClosePolicy.ABANDON });
      return { output: { runId: workflowId, status: 'running' } };
    }
    const outcome = await executeChild<(input: RunInput) => Promise<RunOutcome>>(RUN_WORKFLOW, { ...options, workflowExecutionTimeout: step.timeout ?? CATALOGUE['job.run'].timeout });
    return { output: { runId: workflowId, status: 'completed', steps: Object.fromEntries(Object.entries(outcome.steps).map(([id, s]) => [id, s.status])) } };
  } catch (err) {
    if (endsCancelled(err)) throw err;
    if (err instanceof ChildWorkflowFailure) return { error: `job "${params.job}" (run ${workflowId}) failed: ${err.cause?.message ?? err.message}` };
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { error: `job "${params.job}": a run with id ${workflowId} is already running` };
    throw err;
  }
}
