// Builds the request an activity gets for one step, rendered by the workflow's own prepareStep, for per-value tests that skip scheduling.
import crypto from 'node:crypto';
import { assertValidChain, prepareStep, stepContext, type ActionName, type ActionRequest, type ResultRow } from '../dsl';

/**
 * The request the workflow would send for the chain's first step and result `index` (null: once
 * mode): the literal text read first, then every token rendered, exactly as in a run. Callers pass
 * it to the real activity, which checks the parameters as it does in a run.
 */
export function preparedRequest<A extends ActionName>(chain: object, results: ResultRow[], index: number | null = null): ActionRequest<A> {
  const valid = assertValidChain(chain);
  const step = valid.steps[0];
  const run = { id: `run-${crypto.randomUUID()}`, startedAt: new Date().toISOString() };
  const base = { results, params: valid.params ?? {}, globals: {}, job: { name: valid.name }, run, trigger: { type: 'manual' } };
  const prepared = prepareStep(valid, step, 0, stepContext(base, {}, index), { parse: false });
  if (prepared.skip) throw new Error(`step "${step.id}" was skipped by its when`);
  return {
    action: step.action as A,
    stepId: step.id,
    stepIndex: 0,
    params: prepared.params as ActionRequest<A>['params'],
    connection: step.connection,
    idempotencyKey: `${run.id}/${step.id}/${index ?? 'once'}`,
    index,
    result: results[index ?? 0],
    results: index === null ? results : [results[index]],
    job: base.job,
    run,
    trigger: { type: 'manual' },
  };
}
