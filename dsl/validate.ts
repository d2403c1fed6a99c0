// Validates a chain before anything runs and reports every problem with its path.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { ACTION_NAMES, CATALOGUE, DEFINITIONS, PLANNED_ACTIONS, isActionName, type ActionName, type ActionSpec } from './catalogue';
import type { ActionDefinition } from './actions/define';
import { chainSchema, type Chain } from './chain';
import { checkEventSubscriptions } from './closed-insight';
import { ChainValidationError, type Problem, type ValidationContext } from './problems';
import { TOKEN_ROOTS, TemplateError, formatPath, inspectTemplate, isTemplate, unsupportedTemplateFeatures } from './template';
import { valueAt } from './value-at';

export { ChainValidationError, ProblemsError, type Problem, type ValidationContext } from './problems';

/** The outcome of validation. */
export type Validation = { ok: true; chain: Chain; problems: [] } | { ok: false; problems: Problem[] };

function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return { line, column: position - before.lastIndexOf('\n') };
}

/** Parses chain JSON text; a syntax error becomes a problem with line and column. */
export function parseChainText(text: string): { value?: unknown; problems: Problem[] } {
  try {
    return { value: JSON.parse(text), problems: [] };
  } catch (err) {
    // JSON.parse does not always say where; jsonc-parser does.
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false });
    const first = errors[0];
    if (!first) return { problems: [{ path: '', message: `malformed JSON: ${(err as Error).message}` }] };
    const at = lineColumn(text, first.offset);
    const found = text.slice(first.offset, first.offset + Math.max(first.length, 1));
    return { problems: [{ path: '', message: `malformed JSON at line ${at.line}, column ${at.column}: ${describeJsonError(first.error)}${found.trim() ? ` near ${JSON.stringify(found)}` : ''}` }] };
  }
}

function describeJsonError(code: number): string {
  return printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

function zodProblems(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[], keep: (path: PropertyKey[]) => boolean = () => true): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && 'errors' in issue && issue.errors.length > 0) {
      // Report the branch that got furthest rather than "invalid input".
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
      out.push(...zodProblems(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })), prefix, keep));
      continue;
    }
    if (!keep(issue.path)) continue;
    out.push({ path: formatPath([...prefix, ...issue.path]), message: issue.message });
  }
  return out;
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

/** Issues at a field that holds a token, or below one, wait until the token is rendered. */
function notTemplated(root: unknown) {
  return (path: PropertyKey[]) => {
    for (let i = 0; i <= path.length; i++) {
      const v = valueAt(root, path.slice(0, i));
      if (typeof v === 'string' && isTemplate(v)) return false;
    }
    return true;
  };
}

/** Checks an action's parameters before rendering: fields holding tokens are checked after rendering. */
export function checkParamsBeforeRendering(action: ActionName, params: unknown, prefix: (string | number)[]): Problem[] {
  const literal = (CATALOGUE[action] as ActionSpec).beforeRender?.(params as Record<string, unknown>);
  const prepared = literal?.params ?? params;
  const problems = (literal?.problems ?? []).map((p) => ({ path: formatPath([...prefix, ...p.path]), message: p.message }));
  const parsed = CATALOGUE[action].params.safeParse(prepared);
  return parsed.success ? problems : [...problems, ...zodProblems(parsed.error.issues, prefix, notTemplated(prepared))];
}

/** Checks rendered parameters and applies defaults; throws {@link ChainValidationError}. */
export function parseRenderedParams(action: ActionName, params: unknown, prefix: (string | number)[]): unknown {
  const parsed = CATALOGUE[action].params.safeParse(params);
  if (parsed.success) return parsed.data;
  throw new ChainValidationError(
    zodProblems(parsed.error.issues, prefix).map((p) => {
      const rendered = valueAt(params, p.path.split(/[.[\]]/).filter(Boolean).slice(prefix.length).map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
      return rendered === undefined || typeof rendered === 'object' ? p : { ...p, message: `${p.message} (rendered value: ${JSON.stringify(rendered)})` };
    }),
  );
}

function walkStrings(value: unknown, path: (string | number)[], visit: (text: string, path: (string | number)[]) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
}

function suggestion(name: string): string {
  if ((PLANNED_ACTIONS as readonly string[]).includes(name)) return `action "${name}" is in the catalogue but not available in this version of riposte yet; available: ${ACTION_NAMES.join(', ')}`;
  return `unknown action "${name}"; known actions: ${ACTION_NAMES.join(', ')}`;
}

/** How deep a chain's JSON may nest; deeper is refused before anything walks it. */
export const MAX_CHAIN_DEPTH = 32;

/** The path of the first value nested deeper than `max`, found without recursion (so no input can overflow the stack). */
function tooDeep(value: unknown, max: number): (string | number)[] | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= max) return path;
    if (Array.isArray(v)) v.forEach((item, i) => stack.push({ v: item, path: [...path, i] }));
    else for (const [k, item] of Object.entries(v)) stack.push({ v: item, path: [...path, k] });
  }
  return undefined;
}

/** A cron expression Temporal Schedules take, and a time zone the runtime knows. */
function scheduleProblems(schedule: unknown): Problem[] {
  if (!schedule || typeof schedule !== 'object') return [];
  const s = schedule as Record<string, unknown>;
  const problems: Problem[] = [];
  const crons = typeof s.cron === 'string' ? [s.cron] : Array.isArray(s.cron) ? s.cron : [];
  crons.forEach((expr, i) => {
    if (typeof expr !== 'string' || expr.length === 0) return;
    const why = cronProblem(expr);
    if (why) problems.push({ path: typeof s.cron === 'string' ? 'schedule.cron' : `schedule.cron[${i}]`, message: `not a cron expression (${why}); write e.g. "*/5 * * * *" (minute hour day month weekday) or "@hourly"` });
  });
  if (typeof s.timezone === 'string') {
    try {
      new Intl.DateTimeFormat('en', { timeZone: s.timezone });
    } catch {
      problems.push({ path: 'schedule.timezone', message: `unknown time zone "${s.timezone}"; write an IANA name such as "Europe/Paris" or "UTC"` });
    }
  }
  return problems;
}

function cronProblem(expr: string): string | undefined {
  try {
    // Loaded here rather than at the top: chain validation never runs in a workflow, and the workflow bundle leaves cron-parser out.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CronExpressionParser } = require('cron-parser') as typeof import('cron-parser');
    CronExpressionParser.parse(expr);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Validates a parsed chain: structure, actions, parameters, tokens, step references and connections. */
export function validateChain(value: unknown, context: ValidationContext = {}): Validation {
  const deep = tooDeep(value, MAX_CHAIN_DEPTH);
  if (deep) return { ok: false, problems: [{ path: formatPath(deep), message: `the chain nests deeper than ${MAX_CHAIN_DEPTH} levels here; flatten it` }] };
  const problems: Problem[] = [];
  const parsed = chainSchema.safeParse(value);
  if (!parsed.success) problems.push(...zodProblems(parsed.error.issues, []));

  const raw = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const steps = Array.isArray(raw.steps) ? (raw.steps as unknown[]) : [];
  const seen = new Map<string, number>();
  const actionsById = new Map<string, string>();
  steps.forEach((s, i) => {
    if (!s || typeof s !== 'object') return;
    const step = s as Record<string, unknown>;
    const at = (...rest: (string | number)[]) => formatPath(['steps', i, ...rest]);
    const id = typeof step.id === 'string' ? step.id : undefined;
    if (id !== undefined) {
      if (seen.has(id)) problems.push({ path: at('id'), message: `duplicate step id "${id}" (first used by steps[${seen.get(id)}]); give each step its own id` });
      else seen.set(id, i);
    }
    const action = typeof step.action === 'string' ? step.action : undefined;
    if (action !== undefined && action.length > 0) {
      if (!isActionName(action)) problems.push({ path: at('action'), message: suggestion(action) });
      else {
        if (id !== undefined) actionsById.set(id, action);
        const spec: ActionSpec = CATALOGUE[action];
        if (step.with === undefined || (typeof step.with === 'object' && step.with !== null && !Array.isArray(step.with))) {
          problems.push(...checkParamsBeforeRendering(action, step.with ?? {}, ['steps', i, 'with']));
        }
        const connection = typeof step.connection === 'string' ? step.connection : undefined;
        if (spec.connection === 'none' && connection !== undefined) problems.push({ path: at('connection'), message: `${action} takes no connection; remove it` });
        if (spec.connection === 'required' && connection === undefined) problems.push({ path: at('connection'), message: `${action} needs a connection; name one from riposte.config.json` });
        if (connection !== undefined && spec.connection !== 'none' && context.connections) {
          const found = context.connections[connection];
          if (!found) problems.push({ path: at('connection'), message: unknownConnection(connection, context.connections) });
          else if (spec.connectionTypes && !spec.connectionTypes.includes(found.type)) {
            problems.push({ path: at('connection'), message: `connection "${connection}" is of type ${found.type}; ${action} needs one of type ${spec.connectionTypes.join(' or ')}` });
          }
        }
        const definition: ActionDefinition = DEFINITIONS[action];
        if (definition.check) {
          const params = (step.with ?? {}) as Record<string, unknown>;
          problems.push(...definition.check({ step, params, connection, context, chain: raw, prefix: ['steps', i], at, policy: spec }));
        }
        if (spec.mergeFields && step.mode === 'each' && (step.with as Record<string, unknown> | undefined)?.merge === true) {
          problems.push({ path: at('with', 'merge'), message: 'merge sends one message for all results, but mode "each" sends one per result; set "mode": "once" (Run Once) to merge, or drop merge' });
        }
        if (step.host !== undefined && !spec.takesHost) problems.push({ path: at('host'), message: `${action} runs on the chain's worker; "host" names a script executor and is only for script.run` });
      }
    }
    const checkTemplate = (text: string, path: (string | number)[]) => {
      if (!isTemplate(text)) return;
      try {
        for (const message of unsupportedTemplateFeatures(text)) problems.push({ path: formatPath(['steps', i, ...path]), message });
        const { uses, optional } = inspectTemplate(text);
        for (const use of [...uses, ...optional]) {
          const root = use.path[0];
          const pos = `line ${use.line}, column ${use.column + 1}`;
          const deferredRoots = action !== undefined && isActionName(action) ? (CATALOGUE[action] as ActionSpec).deferredFields?.[String(path[1])] : undefined;
          if (!(TOKEN_ROOTS as readonly string[]).includes(root) && !(path[0] === 'with' && deferredRoots?.includes(root))) {
            problems.push({ path: formatPath(['steps', i, ...path]), message: `token "${use.path.join('.')}" (${pos}) starts with an unknown name; tokens start with ${TOKEN_ROOTS.join(', ')}` });
            continue;
          }
          if (root === 'steps') {
            const ref = use.path[1];
            const refIndex = ref === undefined ? undefined : seen.get(ref);
            const later = ref === undefined ? -1 : steps.findIndex((o, j) => j >= i && (o as Record<string, unknown>)?.id === ref);
            if (ref === undefined) problems.push({ path: formatPath(['steps', i, ...path]), message: `token "steps" (${pos}) must name a step: steps.<id>.<field>` });
            else if (refIndex === undefined || refIndex >= i) {
              const why = later === i ? 'a step cannot read its own output' : later > i ? `step "${ref}" runs later (steps[${later}]); only earlier steps' outputs exist` : `no step has id "${ref}"`;
              problems.push({ path: formatPath(['steps', i, ...path]), message: `token "${use.path.join('.')}" (${pos}): ${why}` });
            } else {
              const refAction = actionsById.get(ref);
              const field = use.path[2];
              const refOutput: readonly string[] | undefined = refAction && isActionName(refAction) ? CATALOGUE[refAction].output : undefined;
              if (refOutput && field !== undefined && field !== 'missingTokens' && field !== 'outputs' && !refOutput.includes(field)) {
                problems.push({ path: formatPath(['steps', i, ...path]), message: `token "${use.path.join('.')}" (${pos}): ${refAction} outputs ${refOutput.join(', ')}` });
              }
            }
          }
        }
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        const where = err.line !== undefined ? ` (line ${err.line}, column ${(err.column ?? 0) + 1})` : '';
        problems.push({ path: formatPath(['steps', i, ...path]), message: `${err.message}${where}` });
      }
    };
    if (typeof step.when === 'string') checkTemplate(step.when, ['when']);
    walkStrings(step.with, ['with'], checkTemplate);
    const throttle = step.throttle as Record<string, unknown> | undefined;
    if (throttle && typeof throttle.key === 'string') checkTemplate(throttle.key, ['throttle', 'key']);
  });

  problems.push(...checkEventSubscriptions(raw));
  problems.push(...scheduleProblems(raw.schedule));
  const search = raw.search as Record<string, unknown> | undefined;
  if (search && typeof search.connection === 'string' && context.connections) {
    const found = context.connections[search.connection];
    const needs = typeof search.sql === 'string' ? 'database' : typeof search.url === 'string' ? 'http' : undefined;
    if (!found) problems.push({ path: 'search.connection', message: unknownConnection(search.connection, context.connections) });
    else if (needs && found.type !== needs) {
      problems.push({ path: 'search.connection', message: `connection "${search.connection}" is of type ${found.type}; a search with "${needs === 'database' ? 'sql' : 'url'}" needs one of type ${needs}` });
    }
  }

  const unique = dedupe(problems);
  if (unique.length > 0 || !parsed.success) return { ok: false, problems: unique };
  return { ok: true, chain: parsed.data, problems: [] };
}

function unknownConnection(name: string, connections: Record<string, unknown>): string {
  const names = Object.keys(connections);
  return `unknown connection "${name}"; configured: ${names.length ? names.join(', ') : 'none (add it under "connections" in riposte.config.json)'}`;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses and validates chain JSON text. */
export function validateChainText(text: string, context: ValidationContext = {}): Validation {
  const { value, problems } = parseChainText(text);
  if (problems.length > 0) return { ok: false, problems };
  return validateChain(value, context);
}

/**
 * Chains {@link assertValidChain} returned. They are frozen, so what was validated is what runs, and
 * handing one back (every start validates its chain, and the intake API starts the same loaded
 * chain for every request) returns it as it is.
 */
const validated = new WeakSet<object>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Returns the valid chain, frozen, or throws {@link ChainValidationError} with every problem. A chain
 * this returned before is valid again, unless `context` asks for checks against configuration.
 */
export function assertValidChain(value: unknown, context: ValidationContext = {}): Chain {
  if (typeof value === 'object' && value !== null && validated.has(value) && Object.keys(context).length === 0) return value as Chain;
  const result = validateChain(value, context);
  if (!result.ok) throw new ChainValidationError(result.problems);
  validated.add(deepFreeze(result.chain));
  return result.chain;
}
