// script.run: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction, type StepCheck } from '../define';
import type { Problem } from '../../problems';
import { DURATION_PATTERN, durationMs } from '../../duration';
import { DEFAULT_SCRIPT_TIMEOUT, scriptRunParams } from './params';
import { scriptRunBeforeRender } from './literal';
import { policy } from './policy';

export * from './params';
export type { ScriptRunOutput as Output } from './params';
export { policy } from './policy';

/**
 * A script must end (killed at its own `with.timeout`) before the step's activity times out:
 * otherwise Temporal starts the next attempt while the first script still runs, and the script
 * runs twice at once.
 */
function scriptTimeoutProblems({ step, params, at }: StepCheck): Problem[] {
  const script = params.timeout ?? DEFAULT_SCRIPT_TIMEOUT;
  const activity = step.timeout ?? policy.timeout;
  if (typeof script !== 'string' || typeof activity !== 'string' || !DURATION_PATTERN.test(script) || !DURATION_PATTERN.test(activity)) return [];
  if (durationMs(script) < durationMs(activity)) return [];
  return [{ path: at('timeout'), message: `the step times out after ${activity} but its script may run ${script} (with.timeout); make the step's timeout longer than the script's, e.g. "${Math.ceil(durationMs(script) / 1000) + 30}s"` }];
}

/** script.run, defined once. */
export const definition = defineAction({
  policy,
  params: scriptRunParams,
  beforeRender: scriptRunBeforeRender,
  check: scriptTimeoutProblems,
  jsonSchema: {
    literal: ['interpreter', 'script', 'inline'],
    // The program (the first word of a command line) is written out; later words may hold tokens.
    // (The first entry of a command array too, which a schema could say only with a tuple of fixed length.)
    field: [{ properties: { command: { anyOf: [{ type: 'string', not: { pattern: '^\\s*[^\\s]*\\{\\{' } }, { type: 'array' }] } } }],
    object: [
      { oneOf: [{ required: ['script'] }, { required: ['inline'] }, { required: ['command'] }] },
      { if: { required: ['command'] }, then: { not: { required: ['interpreter'] } }, else: { required: ['interpreter'] } },
    ],
  },
});
