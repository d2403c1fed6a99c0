// job.run: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction, type StepCheck } from '../define';
import type { Problem } from '../../problems';
import { cycleThrough } from '../../job-graph';
import { isTemplate } from '../../template';
import { jobRunParams } from './params';
import { policy } from './policy';

export * from './params';
export type { JobRunOutput as Output } from './params';
export { policy } from './policy';

/** job.run names a known job, and not one that leads back to this chain. */
function jobRunProblems({ params, chain, context, at }: StepCheck): Problem[] {
  const job = params.job;
  if (typeof job !== 'string' || job.length === 0 || isTemplate(job)) return [];
  const self = typeof chain.name === 'string' ? chain.name : undefined;
  if (job === self) return [{ path: at('with', 'job'), message: `job "${job}" is this chain itself; a job cannot start itself through job.run` }];
  if (context.jobs && !context.jobs.includes(job)) {
    return [{ path: at('with', 'job'), message: `unknown job "${job}"; jobs in the jobs directory: ${context.jobs.length ? [...context.jobs].sort().join(', ') : 'none'}` }];
  }
  const cycle = self && context.jobGraph ? cycleThrough(self, job, context.jobGraph) : undefined;
  if (cycle) return [{ path: at('with', 'job'), message: `job "${job}" leads back to this chain (${cycle.join(' → ')}); a chain cannot reach itself through job.run` }];
  return [];
}

/** job.run's allResults hands every result to the job: only in `once` mode, and only with passResults. */
function jobRunResultsProblems({ step, params: w, at }: StepCheck): Problem[] {
  if (w.allResults !== true) return [];
  if (step.mode === 'each') return [{ path: at('with', 'allResults'), message: 'in each mode the job gets the current result; allResults is for mode "once", where it hands the job every result instead of the first' }];
  if (w.passResults !== true) return [{ path: at('with', 'allResults'), message: 'allResults says which results passResults hands the job; set "passResults": true as well' }];
  return [];
}

/** job.run, defined once. */
export const definition = defineAction({
  policy,
  params: jobRunParams,
  check: (step) => [...jobRunProblems(step), ...jobRunResultsProblems(step)],
  jsonSchema: { object: [{ if: { properties: { allResults: { const: true } }, required: ['allResults'] }, then: { properties: { passResults: { const: true } }, required: ['passResults'] } }] },
});
