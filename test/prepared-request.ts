// Builds the request an activity gets for one step, rendered and assembled by the workflow's own prepareStep and actionRequest, for tests that skip scheduling.
import crypto from 'node:crypto';
import { actionRequest, assertValidChain, prepareStep, stepContext, type ActionName, type ActionRequest, type ResultRow, type Trigger } from '../dsl';

/** What a run gives a step besides the chain and its results. */
export interface PreparedOptions {
  /** The run's trigger (an Insight event's, say); manual by default. */
  trigger?: Trigger;
  /** The run's page in the Temporal UI. */
  runUrl?: string;
  /** The incident an earlier step of the run created, for actions that inherit it. */
  incidentId?: string;
}

/**
 * The request the workflow would send for the chain's first step and result `index` (null: once
 * mode): the literal text read first, then every token rendered, then the request assembled
 * (rows, secret paths, idempotency key, trigger) exactly as in a run. Callers pass it to the real
 * activity, which checks the parameters as it does in a run.
 */
export function preparedRequest<A extends ActionName>(chain: object, results: ResultRow[], index: number | null = null, options: PreparedOptions = {}): ActionRequest<A> {
  const valid = assertValidChain(chain);
  const step = valid.steps[0];
  const runId = `run-${crypto.randomUUID()}`;
  const startedAt = new Date().toISOString();
  const trigger: Trigger = options.trigger ?? { type: 'manual' };
  const base = { results, params: valid.params ?? {}, globals: {}, job: { name: valid.name }, run: { id: runId, startedAt, ...(options.runUrl ? { url: options.runUrl } : {}) }, trigger: trigger as unknown as Record<string, unknown> };
  const prepared = prepareStep(valid, step, 0, stepContext(base, {}, index), { parse: false });
  if (prepared.skip) throw new Error(`step "${step.id}" was skipped by its when`);
  return actionRequest({ runId, startedAt, base }, step, 0, index, results[index ?? 0], prepared, options.incidentId) as ActionRequest<A>;
}
