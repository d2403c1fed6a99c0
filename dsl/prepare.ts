// Turns a step and the run's data into what its activity is sent: shared by the workflow and the dry run.
import { CATALOGUE, type ActionName, type ActionSpec } from './catalogue';
import type { Chain, Step } from './chain';
import type { ResultRow, StepRecord } from './run';
import { formatPath, isTruthy, renderString, renderTree, type Escaping } from './template';
import { ChainValidationError, parseRenderedParams } from './validate';

/** The tokens every step of a run sees, before `result`, `index` and `steps` are added. */
export interface BaseContext {
  results: ResultRow[];
  params: Record<string, unknown>;
  globals: Record<string, unknown>;
  job: { name: string; timeframe?: { from: string; to: string } };
  run: { id: string; runId?: string; startedAt: string; url?: string };
  trigger: Record<string, unknown>;
}

/**
 * `steps.<id>` as seen from result `index` (null in `once` mode): an `each` step's output for the same
 * result; from a `once` step, its first output plus `outputs`, the list of all.
 */
export function stepsContext(steps: Record<string, StepRecord>, index: number | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, record] of Object.entries(steps)) {
    if (record.mode === 'each') {
      const outputs = record.outputs ?? [];
      if (index !== null) out[id] = outputs[index] ?? {};
      else out[id] = { ...((outputs.find((o) => o !== null) as object | undefined) ?? {}), outputs };
    } else out[id] = record.output ?? {};
  }
  return out;
}

/** The full token context for one execution of a step. */
export function stepContext(base: BaseContext, steps: Record<string, StepRecord>, index: number | null): Record<string, unknown> {
  return { ...base, result: index === null ? base.results[0] ?? {} : base.results[index], index, steps: stepsContext(steps, index) };
}

/** A step ready to send, or skipped by its `when`. */
export type PreparedStep =
  | { skip: true; missing: string[] }
  | { skip: false; params: unknown; missing: string[]; throttleKey?: string };

/** How {@link prepareStep} finishes. */
export interface PrepareOptions {
  /**
   * Check the rendered parameters against the action's schema here (default). The workflow turns
   * this off and leaves the check to the activity, so the workflow sandbox never evaluates zod.
   */
  parse?: boolean;
}

/**
 * Renders `when`, local params, `with` and the throttle key, then (unless told not to) checks the
 * rendered parameters against the action's schema. Throws TemplateError or ChainValidationError naming the field.
 */
export function prepareStep(chain: Pick<Chain, 'strict'>, step: Step, stepIndex: number, context: Record<string, unknown>, options: PrepareOptions = {}): PreparedStep {
  const spec: ActionSpec = CATALOGUE[step.action as ActionName];
  const strict = chain.strict;
  const missing = new Set<string>();
  if (step.when !== undefined) {
    const when = renderString(step.when, context, { strict });
    when.missing.forEach((m) => missing.add(m));
    if (!isTruthy(when.text)) return { skip: true, missing: [...missing] };
  }
  // Structure (argv words, recipient lists, marks on token-written fields) is read from the literal text first.
  const literal = spec.beforeRender?.(step.with as Record<string, unknown>);
  if (literal && literal.problems.length > 0) throw new ChainValidationError(literal.problems.map((p) => ({ path: formatPath(['steps', stepIndex, 'with', ...p.path]), message: p.message })));
  const raw = (literal?.params ?? step.with) as Record<string, unknown>;
  let scope = context;
  if (raw.localParams && typeof raw.localParams === 'object') {
    const local = renderTree(raw.localParams, context, { strict }, ['with', 'localParams']);
    local.missing.forEach((m) => missing.add(m));
    scope = { ...context, local: local.value };
  }
  const html = new Set(spec.htmlFields?.(raw) ?? []);
  const escapingFor = (path: (string | number)[]): Escaping => (html.has(path.slice(1).join('.')) ? 'html' : 'text');
  const rendered = renderTree(raw, scope, { strict, escapingFor }, ['with']);
  rendered.missing.forEach((m) => missing.add(m));
  if (raw.merge === true && step.mode === 'once' && spec.mergeFields) {
    // "Merge": one message for all results, each result's part rendered with that result.
    const results = (context.results as unknown[]) ?? [];
    const value = rendered.value as Record<string, unknown>;
    for (const field of spec.mergeFields) {
      if (typeof raw[field] !== 'string') continue;
      const parts = results.map((result, index) => {
        const part = renderTree(raw[field], { ...scope, result, index }, { strict, escapingFor }, ['with', field]);
        part.missing.forEach((m) => missing.add(m));
        return part.value as string;
      });
      value[field] = parts.join(escapingFor(['with', field]) === 'html' ? '<hr>' : '\n\n');
    }
  }
  const params = options.parse === false ? rendered.value : parseRenderedParams(step.action as ActionName, rendered.value, ['steps', stepIndex, 'with']);
  const throttleKey = step.throttle ? renderString(step.throttle.key, scope, { strict }).text : undefined;
  return { skip: false, params, missing: [...missing], throttleKey };
}
