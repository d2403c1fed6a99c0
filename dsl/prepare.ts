// Turns a step and the run's data into what its activity is sent: shared by the workflow and the dry run.
import { POLICIES, type ActionName } from './action-policies';
import { BEFORE_RENDER } from './actions/literals';
import type { ActionPolicy } from './actions/policy';
import type { Chain, Step } from './chain';
import { formatPath, isTruthy, renderString, renderTree, withRenderBudget, type Escaping } from './template';
import { literalSecretPaths } from './secret-refs';
import { ChainValidationError } from './problems';

export { stepContext, stepsContext, type BaseContext } from './context';

/** A step ready to send, or skipped by its `when`. */
export type PreparedStep =
  | { skip: true; missing: string[] }
  | { skip: false; params: unknown; missing: string[]; throttleKey?: string; secretPaths: (string | number)[][]; merge?: MergeRequest };

/**
 * "Merge" left to the activity, which holds every result (a set kept by reference included): the
 * raw templates of the merge fields and the tokens they see besides `result`, `results` and `index`.
 */
export interface MergeRequest {
  fields: Record<string, string>;
  escaping: Record<string, Escaping>;
  strict: boolean;
  context: Record<string, unknown>;
}

/**
 * Renders each merge field once per result and joins the parts (`<hr>` between HTML parts, a blank
 * line between text parts) into the rendered parameters. Used by the activity and the dry run alike,
 * so both merge every result, not a preview.
 */
export function applyMerge(params: Record<string, unknown>, merge: MergeRequest, results: readonly unknown[]): { params: Record<string, unknown>; missing: string[] } {
  const missing = new Set<string>();
  const out = { ...params };
  withRenderBudget(() => {
    for (const [field, template] of Object.entries(merge.fields)) {
      const escaping = merge.escaping[field] ?? 'text';
      const parts = results.map((result, index) => {
        const part = renderTree(template, { ...merge.context, results, result, index }, { strict: merge.strict, escaping }, ['with', field]);
        part.missing.forEach((m) => missing.add(m));
        return part.value as string;
      });
      out[field] = parts.join(escaping === 'html' ? '<hr>' : '\n\n');
    }
  });
  return { params: out, missing: [...missing] };
}

const secretPathsOf = new WeakMap<object, (string | number)[][]>();

/** {@link literalSecretPaths} of a step's `with`, computed once per chain object. */
function stepSecretPaths(step: Step): (string | number)[][] {
  const raw = step.with as object;
  let paths = secretPathsOf.get(raw);
  if (!paths) {
    paths = literalSecretPaths(raw);
    secretPathsOf.set(raw, paths);
  }
  return paths;
}

/** How {@link prepareStep} finishes. */
export interface PrepareOptions {
  /**
   * Rendered parameters are checked against the action's schema by the activity (and by the dry
   * run), never here: the workflow sandbox does not evaluate zod. Only `false` is accepted.
   */
  parse?: false;
  /** Render "merge" fields over `context.results` here (the dry run, which has every result) instead of leaving them to the activity. */
  mergeHere?: boolean;
}

/**
 * Renders `when`, local params, `with` and the throttle key; the caller checks the rendered
 * parameters against the action's schema. Throws TemplateError or ChainValidationError naming the field.
 */
export function prepareStep(chain: Pick<Chain, 'strict'>, step: Step, stepIndex: number, context: Record<string, unknown>, options: PrepareOptions = {}): PreparedStep {
  return withRenderBudget(() => prepareWithinBudget(chain, step, stepIndex, context, options));
}

function prepareWithinBudget(chain: Pick<Chain, 'strict'>, step: Step, stepIndex: number, context: Record<string, unknown>, options: PrepareOptions): PreparedStep {
  const spec: ActionPolicy = POLICIES[step.action as ActionName];
  const strict = chain.strict;
  const missing = new Set<string>();
  if (step.when !== undefined) {
    const when = renderString(step.when, context, { strict });
    when.missing.forEach((m) => missing.add(m));
    if (!isTruthy(when.text)) return { skip: true, missing: [...missing] };
  }
  // Structure (argv words, recipient lists, marks on token-written fields) is read from the literal text first.
  const literal = BEFORE_RENDER[step.action]?.(step.with as Record<string, unknown>);
  if (literal && literal.problems.length > 0) throw new ChainValidationError(literal.problems.map((p) => ({ path: formatPath(['steps', stepIndex, 'with', ...p.path]), message: p.message })));
  const raw = (literal?.params ?? step.with) as Record<string, unknown>;
  let scope = context;
  if (raw.localParams && typeof raw.localParams === 'object') {
    const local = renderTree(raw.localParams, context, { strict }, ['with', 'localParams']);
    local.missing.forEach((m) => missing.add(m));
    scope = { ...context, local: local.value };
  }
  const html = new Set(spec.htmlFields?.(raw) ?? []);
  const uri = new Set(spec.uriFields ?? []);
  const escapingFor = (path: (string | number)[]): Escaping => {
    const field = path.slice(1).join('.');
    return html.has(field) ? 'html' : uri.has(field) ? 'uri' : 'text';
  };
  // Deferred fields travel as the chain wrote them; the activity renders them (see ActionSpec.deferredFields).
  const deferred = Object.keys(spec.deferredFields ?? {}).filter((f) => raw[f] !== undefined);
  const rendered = renderTree(deferred.length ? Object.fromEntries(Object.entries(raw).filter(([k]) => !deferred.includes(k))) : raw, scope, { strict, escapingFor }, ['with']);
  for (const f of deferred) (rendered.value as Record<string, unknown>)[f] = raw[f];
  rendered.missing.forEach((m) => missing.add(m));
  let merge: MergeRequest | undefined;
  if (raw.merge === true && step.mode === 'once' && spec.mergeFields) {
    // "Merge": one message for all results, each result's part rendered with that result. The parts
    // are rendered where every result is at hand: by the activity, or here when told to.
    const fields = Object.fromEntries(spec.mergeFields.filter((f) => typeof raw[f] === 'string').map((f) => [f, raw[f] as string]));
    const rest = Object.fromEntries(Object.entries(scope).filter(([k]) => k !== 'results' && k !== 'result' && k !== 'index'));
    merge = { fields, escaping: Object.fromEntries(Object.keys(fields).map((f) => [f, escapingFor(['with', f])])), strict: strict === true, context: rest };
    if (options.mergeHere) {
      const merged = applyMerge(rendered.value as Record<string, unknown>, merge, (context.results as unknown[]) ?? []);
      merged.missing.forEach((m) => missing.add(m));
      rendered.value = merged.params;
      merge = undefined;
    }
  }
  const params = rendered.value;
  const throttleKey = step.throttle ? renderString(step.throttle.key, scope, { strict }).text : undefined;
  return { skip: false, params, missing: [...missing], throttleKey, secretPaths: stepSecretPaths(step), ...(merge ? { merge } : {}) };
}
