// Validates a chain before anything runs and reports every problem with its path.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { ACTION_NAMES, CATALOGUE, PLANNED_ACTIONS, isActionName, type ActionName, type ActionSpec } from './catalogue';
import { chainSchema, type Chain } from './chain';
import { cycleThrough, type JobGraph } from './job-graph';
import { checkEventSubscriptions } from './triggers';
import { destinationPort } from './actions/insight-actions';
import { DEFAULT_SCRIPT_TIMEOUT } from './actions/script-run';
import { approvalRequestProblems } from './actions/approval-request';
import { DOCUMENT_ID_WITHOUT_UPDATE } from './actions/store-writes';
import { DURATION_PATTERN, durationMs } from './duration';
import { TOKEN_ROOTS, TemplateError, formatPath, inspectTemplate, isTemplate, unsupportedTemplateFeatures } from './template';
import { valueAt } from './value-at';

/** One problem in a chain, with the path of the field it concerns. */
export interface Problem {
  path: string;
  message: string;
}

/** What validation knows of the installation: the configured connections by name, and the job names. */
export interface ValidationContext {
  connections?: Record<string, { type: string; users?: readonly string[] }>;
  /** Names of the jobs in the jobs directory, for steps that name another job. */
  jobs?: readonly string[];
  /** Which jobs each job of the jobs directory starts, to refuse a chain that can reach itself. */
  jobGraph?: JobGraph;
  /** Destination ports `http.post` may reach; without it the ports are checked only when the step runs. */
  allowedPorts?: readonly number[];
}

/** A chain that did not validate; `problems` lists every problem found. */
export class ChainValidationError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n'));
    this.name = 'ChainValidationError';
  }
}

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
        if (action === 'db.insert' && connection !== undefined && context.connections?.[connection]?.users) {
          problems.push(...databaseUserProblems(step.with, connection, context.connections[connection].users ?? [], at));
        }
        if (action === 'job.run') problems.push(...jobRunProblems(raw.name, step.with, context, at));
        if (action === 'approval.request') problems.push(...approvalRequestProblems(step.with, context, ['steps', i, 'with'], String(raw.name ?? '')));
        if (action === 'webhook.send') problems.push(...webhookDestinationProblems(step, connection, at));
        if (spec.mergeFields && step.mode === 'each' && (step.with as Record<string, unknown> | undefined)?.merge === true) {
          problems.push({ path: at('with', 'merge'), message: 'merge sends one message for all results, but mode "each" sends one per result; set "mode": "once" (Run Once) to merge, or drop merge' });
        }
        if (action === 'script.run') problems.push(...scriptTimeoutProblems(step, spec, at));
        if (step.host !== undefined && action !== 'script.run') problems.push({ path: at('host'), message: `${action} runs on the chain's worker; "host" names a script executor and is only for script.run` });
        if (action === 'http.post') problems.push(...checkPostDestination(step, connection, context, at));
        if (action === 'events.index') problems.push(...indexUpdateProblems(step, at));
        if (action === 'job.run') problems.push(...jobRunResultsProblems(step, at));
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

/** db.insert names one of its connection's users, or none when the connection has at most one. */
function databaseUserProblems(params: unknown, connection: string, users: readonly string[], at: (...rest: (string | number)[]) => string): Problem[] {
  const user = (params as Record<string, unknown> | undefined)?.user;
  if (typeof user === 'string' && !isTemplate(user) && !users.includes(user)) {
    return [{ path: at('with', 'user'), message: `connection "${connection}" has no user "${user}"; its users: ${users.length ? users.join(', ') : 'none'}` }];
  }
  if (user === undefined && users.length > 1) return [{ path: at('with', 'user'), message: `connection "${connection}" has several users (${users.join(', ')}); name the one that writes` }];
  return [];
}

/** job.run names a known job, and not one that leads back to this chain. */
function jobRunProblems(chainName: unknown, params: unknown, context: ValidationContext, at: (...rest: (string | number)[]) => string): Problem[] {
  const job = (params as Record<string, unknown> | undefined)?.job;
  if (typeof job !== 'string' || job.length === 0 || isTemplate(job)) return [];
  const self = typeof chainName === 'string' ? chainName : undefined;
  if (job === self) return [{ path: at('with', 'job'), message: `job "${job}" is this chain itself; a job cannot start itself through job.run` }];
  if (context.jobs && !context.jobs.includes(job)) {
    return [{ path: at('with', 'job'), message: `unknown job "${job}"; jobs in the jobs directory: ${context.jobs.length ? [...context.jobs].sort().join(', ') : 'none'}` }];
  }
  const cycle = self && context.jobGraph ? cycleThrough(self, job, context.jobGraph) : undefined;
  if (cycle) return [{ path: at('with', 'job'), message: `job "${job}" leads back to this chain (${cycle.join(' → ')}); a chain cannot reach itself through job.run` }];
  return [];
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

/**
 * webhook.send's origin comes from the chain or the connection: tokens may fill protocol, host or
 * port only with `dynamicHost: true`: a result never chooses where riposte connects.
 */
function webhookDestinationProblems(step: Record<string, unknown>, connection: string | undefined, at: (...rest: (string | number)[]) => string): Problem[] {
  const w = (step.with ?? {}) as Record<string, unknown>;
  const problems: Problem[] = [];
  if (connection === undefined && w.host === undefined) problems.push({ path: at('with', 'host'), message: 'give the host, or name an http connection that holds the URL' });
  if (w.dynamicHost !== true) {
    for (const field of ['protocol', 'host', 'port']) {
      const v = w[field];
      if (typeof v === 'string' && !readsOnlyOwnValues(v)) {
        problems.push({ path: at('with', field), message: `a result may not choose where the request goes: write ${field} literally or from {{params.*}} / {{globals.*}}, or set "dynamicHost": true to let results choose it (the network policy still applies)` });
      }
    }
  }
  return problems;
}

/**
 * True when a template reads nothing but the chain's params and the configuration's globals: values
 * the chain author and the operator chose (params a caller overrides come with an API token), never
 * results, the trigger or step outputs. Templates that do not parse are reported elsewhere.
 */
function readsOnlyOwnValues(text: string): boolean {
  if (!isTemplate(text)) return true;
  try {
    const { uses, optional } = inspectTemplate(text);
    return [...uses, ...optional].every((u) => u.path[0] === 'params' || u.path[0] === 'globals') && !/\{\{\s*[#^]/.test(text);
  } catch {
    return true;
  }
}

/** The literal start of a URL up to its path: `https://host:port/`. */
const LITERAL_ORIGIN = /^https?:\/\/[^/?#{}\s]+[/?#]/i;

/** http.post needs a URL, and a literal URL must reach an allowed port (checked again before connecting). */
function checkPostDestination(step: Record<string, unknown>, connection: string | undefined, context: ValidationContext, at: (...rest: (string | number)[]) => string): Problem[] {
  const url = ((step.with ?? {}) as Record<string, unknown>).url;
  if (url === undefined) return connection === undefined ? [{ path: at('with', 'url'), message: 'give the URL, or name an http connection that holds it' }] : [];
  if (typeof url === 'string' && isTemplate(url)) {
    const head = url.slice(0, url.indexOf('{{'));
    if (!LITERAL_ORIGIN.test(head) && !readsOnlyOwnValues(url)) return [{ path: at('with', 'url'), message: 'write the scheme, host and port literally (https://host:port/...) or from {{params.*}} / {{globals.*}}; tokens from the Insight or results may fill only the path and query, so that a log field cannot choose where the Insight goes' }];
  }
  if (typeof url !== 'string' || isTemplate(url) || !context.allowedPorts) return [];
  const port = destinationPort(url);
  if (port === undefined || context.allowedPorts.includes(port)) return [];
  return [{ path: at('with', 'url'), message: `port ${port} is not an allowed destination port (${context.allowedPorts.join(', ')}); use one of them, or add it to "allowedPorts" in riposte.config.json` }];
}

/**
 * A script must end (killed at its own `with.timeout`) before the step's activity times out:
 * otherwise Temporal starts the next attempt while the first script still runs, and the script
 * runs twice at once.
 */
function scriptTimeoutProblems(step: Record<string, unknown>, spec: ActionSpec, at: (...rest: (string | number)[]) => string): Problem[] {
  const script = ((step.with ?? {}) as Record<string, unknown>).timeout ?? DEFAULT_SCRIPT_TIMEOUT;
  const activity = step.timeout ?? spec.timeout;
  if (typeof script !== 'string' || typeof activity !== 'string' || !DURATION_PATTERN.test(script) || !DURATION_PATTERN.test(activity)) return [];
  if (durationMs(script) < durationMs(activity)) return [];
  return [{ path: at('timeout'), message: `the step times out after ${activity} but its script may run ${script} (with.timeout); make the step's timeout longer than the script's, e.g. "${Math.ceil(durationMs(script) / 1000) + 30}s"` }];
}

/**
 * events.index `update` in `each` mode: each result updates the document its `documentId` names,
 * so the id must be there and come from the result; one id for all would have every result merge
 * into one document in no set order.
 */
function indexUpdateProblems(step: Record<string, unknown>, at: (...rest: (string | number)[]) => string): Problem[] {
  const w = (step.with ?? {}) as Record<string, unknown>;
  // The schema says this too, but not for a documentId holding a token, which it checks only once rendered.
  if (w.documentId !== undefined && w.update !== true) return [{ path: at('with', 'documentId'), message: DOCUMENT_ID_WITHOUT_UPDATE }];
  if (step.mode !== 'each' || w.update !== true) return [];
  if (w.documentId === undefined) return [{ path: at('with', 'documentId'), message: 'in each mode every result updates the document documentId names: give one from the result, e.g. "{{result.host}}", or use mode "once" to update one document' }];
  if (typeof w.documentId === 'string' && !isTemplate(w.documentId)) {
    return [{ path: at('with', 'documentId'), message: 'this documentId is the same for every result, so all results would update one document in no set order: build it from the result, e.g. "{{result.host}}", or use mode "once"' }];
  }
  return [];
}

/** job.run's allResults hands every result to the job: only in `once` mode, and only with passResults. */
function jobRunResultsProblems(step: Record<string, unknown>, at: (...rest: (string | number)[]) => string): Problem[] {
  const w = (step.with ?? {}) as Record<string, unknown>;
  if (w.allResults !== true) return [];
  if (step.mode === 'each') return [{ path: at('with', 'allResults'), message: 'in each mode the job gets the current result; allResults is for mode "once", where it hands the job every result instead of the first' }];
  if (w.passResults !== true) return [{ path: at('with', 'allResults'), message: 'allResults says which results passResults hands the job; set "passResults": true as well' }];
  return [];
}

/** Parses and validates chain JSON text. */
export function validateChainText(text: string, context: ValidationContext = {}): Validation {
  const { value, problems } = parseChainText(text);
  if (problems.length > 0) return { ok: false, problems };
  return validateChain(value, context);
}

/** Returns the valid chain or throws {@link ChainValidationError} with every problem. */
export function assertValidChain(value: unknown, context: ValidationContext = {}): Chain {
  const result = validateChain(value, context);
  if (!result.ok) throw new ChainValidationError(result.problems);
  return result.chain;
}
