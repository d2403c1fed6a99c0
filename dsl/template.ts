// Handlebars tokens: one engine with riposte's helpers, rendering at string leaves, and missing-token tracking.
import HandlebarsEngine from 'handlebars/dist/cjs/handlebars';
import { columnsOf, toCsv, toHtmlTable, toTextTable } from './csv';
import { RENDER_ITERATION_BUDGET, RENDER_OUTPUT_BUDGET, TemplateError, formatPath, isTruthy, resolvePath as resolve } from './template-plain';

export { RENDER_ITERATION_BUDGET, RENDER_OUTPUT_BUDGET, TOKEN_ROOTS, TemplateError, formatPath, isTruthy } from './template-plain';

type AstNode = hbs.AST.Node;
type Expression = hbs.AST.Expression;


/**
 * How a rendered field is escaped: plain text, HTML-escaped for HTML fields, or `uri` for the path and
 * query of a URL, where every value a token reads is percent-encoded as one URI component so that a
 * result can never add a `/`, `?`, `#` or `//` of its own (DESIGN 7.1).
 */
export type Escaping = 'text' | 'html' | 'uri';


/**
 * The template engine, made on first use: modules that only read this file's types and constants
 * (the workflow's) never create it, and the workflow bundle leaves Handlebars out altogether.
 */
let made: typeof HandlebarsEngine | undefined;
function hb(): typeof HandlebarsEngine {
  if (made) return made;
  if (typeof HandlebarsEngine?.create !== 'function') throw new TemplateError('templates are rendered by activities: this code has no template engine');
  const engine = HandlebarsEngine.create();
  for (const [name, fn] of Object.entries(HELPERS)) engine.registerHelper(name, fn);
  // `log` writes to the worker's console: result data has no business there (DESIGN 7.1).
  engine.unregisterHelper('log');
  const builtinEach = engine.helpers.each as (this: unknown, ...list: unknown[]) => unknown;
  engine.registerHelper('each', function countedEach(this: unknown, ...list: unknown[]) {
    const items = list[0];
    const size = Array.isArray(items) ? items.length : typeof items === 'object' && items !== null ? Object.keys(items).length : 0;
    if (budget) {
      budget.iterations += size;
      if (budget.iterations > RENDER_ITERATION_BUDGET) throw new TemplateError(`rendering would take more than ${RENDER_ITERATION_BUDGET.toLocaleString('en')} {{#each}} iterations; loop over fewer results (nested {{#each}} multiply)`);
    }
    return builtinEach.apply(this, list);
  });
  made = engine;
  return engine;
}

function isOptions(value: unknown): value is Handlebars.HelperOptions {
  return typeof value === 'object' && value !== null && 'hash' in value && 'data' in value;
}

function args(list: unknown[]): unknown[] {
  return isOptions(list[list.length - 1]) ? list.slice(0, -1) : list;
}

function rowsOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : { value: v }));
  if (typeof value === 'object' && value !== null) return [value as Record<string, unknown>];
  return [];
}

function columnsArg(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.length > 0) return value.split(',').map((s) => s.trim());
  return undefined;
}

function formatDate(date: Date, format: string): string {
  if (format === 'iso') return date.toISOString();
  if (format === 'epoch') return String(Math.floor(date.getTime() / 1000));
  if (format === 'epochms') return String(date.getTime());
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return format
    .replace(/YYYY/g, String(date.getUTCFullYear()))
    .replace(/MM/g, pad(date.getUTCMonth() + 1))
    .replace(/DD/g, pad(date.getUTCDate()))
    .replace(/HH/g, pad(date.getUTCHours()))
    .replace(/mm/g, pad(date.getUTCMinutes()))
    .replace(/ss/g, pad(date.getUTCSeconds()))
    .replace(/SSS/g, pad(date.getUTCMilliseconds(), 3));
}

function toNumberOrText(value: unknown): number | string {
  if (typeof value === 'number') return value;
  const n = Number(value);
  return typeof value === 'string' && value.trim() !== '' && !Number.isNaN(n) ? n : String(value);
}

const HELPERS: Record<string, (...list: unknown[]) => unknown> = {
  json: (...list) => {
    const [value, indent] = args(list);
    return JSON.stringify(value ?? null, null, typeof indent === 'number' ? indent : undefined);
  },
  csv: (...list) => {
    const [rows, columns] = args(list);
    return toCsv(rowsOf(rows), columnsArg(columns) ?? columnsOf(rowsOf(rows)));
  },
  table: (...list) => {
    const [rows, format] = args(list);
    const options = list[list.length - 1] as Handlebars.HelperOptions;
    const data = rowsOf(rows);
    const html = format === 'html' || (format === undefined && options?.data?.root?.__escaping === 'html');
    return html ? new (hb().SafeString)(toHtmlTable(data)) : toTextTable(data);
  },
  join: (...list) => {
    const [values, separator] = args(list);
    return Array.isArray(values) ? values.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? ''))).join(typeof separator === 'string' ? separator : ', ') : String(values ?? '');
  },
  default: (...list) => {
    const [value, fallback] = args(list);
    return value === undefined || value === null || value === '' ? fallback : value;
  },
  eq: (...list) => { const [a, b] = args(list); return a === b || String(a) === String(b); },
  ne: (...list) => { const [a, b] = args(list); return !(a === b || String(a) === String(b)); },
  gt: (...list) => { const [a, b] = args(list); return toNumberOrText(a) > toNumberOrText(b); },
  gte: (...list) => { const [a, b] = args(list); return toNumberOrText(a) >= toNumberOrText(b); },
  lt: (...list) => { const [a, b] = args(list); return toNumberOrText(a) < toNumberOrText(b); },
  lte: (...list) => { const [a, b] = args(list); return toNumberOrText(a) <= toNumberOrText(b); },
  and: (...list) => args(list).every((v) => isTruthyValue(v)),
  or: (...list) => args(list).some((v) => isTruthyValue(v)),
  not: (...list) => !isTruthyValue(args(list)[0]),
  upper: (...list) => String(args(list)[0] ?? '').toUpperCase(),
  lower: (...list) => String(args(list)[0] ?? '').toLowerCase(),
  urlencode: (...list) => encodeURIComponent(String(args(list)[0] ?? '')),
  date: (...list) => {
    const [value, format] = args(list);
    const date = value === undefined || value === null || value === '' ? new Date() : new Date(typeof value === 'number' && value < 1e11 ? value * 1000 : (value as string));
    if (Number.isNaN(date.getTime())) return String(value);
    return formatDate(date, typeof format === 'string' ? format : 'iso');
  },
};
/** The helper names tokens may call, besides Handlebars' built-ins (if, unless, each, with, lookup). */
export const HELPER_NAMES = [...Object.keys(HELPERS), 'if', 'unless', 'each', 'with', 'lookup'];


/** What a step's rendering has used so far; one per step, set by {@link withRenderBudget}. */
interface RenderBudget {
  iterations: number;
  chars: number;
}
let budget: RenderBudget | undefined;

/**
 * Runs `fn` with a fresh rendering budget: past {@link RENDER_ITERATION_BUDGET} iterations or
 * {@link RENDER_OUTPUT_BUDGET} characters rendering throws a TemplateError, so no template and no
 * result set can hold a workflow task past its deadline. Counting is deterministic (no clock).
 */
export function withRenderBudget<T>(fn: () => T): T {
  const outer = budget;
  budget = { iterations: 0, chars: 0 };
  try {
    return fn();
  } finally {
    budget = outer;
  }
}

/**
 * Features a chain's template may not use: partials and decorators (none are registered, and a
 * partial could recurse), and helpers riposte does not have. Returns one message per problem.
 */
export function unsupportedTemplateFeatures(text: string): string[] {
  let found = unsupported.get(text);
  if (!found) {
    found = findUnsupportedFeatures(text);
    if (unsupported.size > 2_000) unsupported.clear();
    unsupported.set(text, found);
  }
  return [...found];
}

/** Per template text, what {@link unsupportedTemplateFeatures} found: a chain is validated at every start. */
const unsupported = new Map<string, string[]>();

function findUnsupportedFeatures(text: string): string[] {
  const problems: string[] = [];
  const at = (node: AstNode) => `line ${node.loc.start.line}, column ${node.loc.start.column + 1}`;
  const callName = (path: Expression) => (path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : '');
  const visitExpression = (expr: Expression | undefined) => {
    if (expr?.type === 'SubExpression') visitCall(expr as hbs.AST.SubExpression, true);
  };
  const visitCall = (node: { path: Expression; params: Expression[]; hash?: hbs.AST.Hash; loc: hbs.AST.SourceLocation; type: string }, isCall: boolean) => {
    const name = callName(node.path);
    if (isCall && !HELPER_NAMES.includes(name)) problems.push(`unknown helper "${name}" (${at(node as AstNode)}); helpers: ${HELPER_NAMES.join(', ')}`);
    node.params.forEach(visitExpression);
    node.hash?.pairs.forEach((pair) => visitExpression(pair.value));
  };
  const visitProgram = (program: hbs.AST.Program | undefined) => {
    for (const node of program?.body ?? []) {
      if (node.type === 'PartialStatement' || node.type === 'PartialBlockStatement') problems.push(`partials ({{> ...}}) are not available in riposte templates (${at(node)})`);
      else if (node.type === 'DecoratorBlock' || node.type === 'Decorator') problems.push(`decorators ({{* ...}}) are not available in riposte templates (${at(node)})`);
      else if (node.type === 'MustacheStatement') {
        const m = node as hbs.AST.MustacheStatement;
        visitCall(m, m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0);
      } else if (node.type === 'BlockStatement') {
        const b = node as hbs.AST.BlockStatement;
        visitCall(b, true);
        visitProgram(b.program);
        visitProgram(b.inverse);
      }
    }
  };
  visitProgram(parse(text));
  return problems;
}

function isTruthyValue(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return isTruthy(value === undefined || value === null ? '' : String(value));
}


/** True when the text holds at least one token. */
export function isTemplate(text: string): boolean {
  return text.includes('{{');
}

function parse(text: string): hbs.AST.Program {
  try {
    return hb().parse(text);
  } catch (err) {
    const e = err as { message?: string; lineNumber?: number; column?: number };
    const first = String(e.message ?? err).split('\n');
    const detail = first.length > 1 ? `${first[0]} ${first[first.length - 1]}` : first[0];
    throw new TemplateError(`bad token syntax: ${detail}`, e.lineNumber, e.column);
  }
}

/** A path token used in a template, with its position. */
export interface TokenUse {
  path: string[];
  line: number;
  column: number;
}

/**
 * The value paths a template reads in its own scope: simple mustaches and helper arguments,
 * including inside `if`/`unless`, but not inside `each`/`with` blocks where the scope changes.
 * Arguments of `default`, and the conditions of `if`/`unless`, may legitimately be missing.
 */
function collectUses(program: hbs.AST.Program, uses: TokenUse[], optional: TokenUse[]): void {
  const addPath = (expr: Expression, into: TokenUse[]) => {
    if (expr.type === 'PathExpression') {
      const path = expr as hbs.AST.PathExpression;
      if (path.data || path.depth > 0 || path.parts.length === 0 || path.original.startsWith('this')) return;
      into.push({ path: path.parts, line: path.loc.start.line, column: path.loc.start.column });
    } else if (expr.type === 'SubExpression') {
      visitCall(expr as hbs.AST.SubExpression);
    }
  };
  const visitCall = (node: { path: Expression; params: Expression[]; hash?: hbs.AST.Hash }) => {
    const name = node.path.type === 'PathExpression' ? (node.path as hbs.AST.PathExpression).original : '';
    const into = name === 'default' || name === 'if' || name === 'unless' ? optional : uses;
    for (const p of node.params) addPath(p, into);
    for (const pair of node.hash?.pairs ?? []) addPath(pair.value, into);
  };
  const visit = (node: AstNode) => {
    if (node.type === 'MustacheStatement') {
      const m = node as hbs.AST.MustacheStatement;
      const name = m.path.type === 'PathExpression' ? (m.path as hbs.AST.PathExpression).original : '';
      if (m.params.length === 0 && (!m.hash || m.hash.pairs.length === 0) && !HELPER_NAMES.includes(name)) addPath(m.path, uses);
      else visitCall(m);
    } else if (node.type === 'BlockStatement') {
      const b = node as hbs.AST.BlockStatement;
      const name = b.path.type === 'PathExpression' ? (b.path as hbs.AST.PathExpression).original : '';
      visitCall(b);
      if (name === 'if' || name === 'unless') {
        if (b.program) collectUses(b.program, uses, optional);
      }
      if (b.inverse) collectUses(b.inverse, uses, optional);
    }
  };
  for (const statement of program.body) visit(statement);
}

const inspected = new Map<string, { uses: TokenUse[]; optional: TokenUse[] }>();

/** Checks a template's syntax and returns the paths it reads; throws {@link TemplateError}. */
export function inspectTemplate(text: string): { uses: TokenUse[]; optional: TokenUse[] } {
  let found = inspected.get(text);
  if (!found) {
    found = { uses: [], optional: [] };
    collectUses(parse(text), found.uses, found.optional);
    if (inspected.size > 2_000) inspected.clear();
    inspected.set(text, found);
  }
  return found;
}

/**
 * A template of literal text and plain value tokens only (`{{a.b}}`, `{{{a.b}}}`): the text
 * pieces, and for each token its path and whether Handlebars would escape it in an HTML field.
 */
type PlainTemplate = (string | { path: string[]; escaped: boolean })[];

/**
 * Names a plain token may not read: Handlebars' built-in helpers (its compiler calls them
 * directly), and `constructor` and `__proto__`, which its prototype access rules treat apart.
 * A token naming one is rendered by Handlebars itself.
 */
const NOT_PLAIN = new Set(['helperMissing', 'blockHelperMissing', 'each', 'if', 'unless', 'with', 'log', 'lookup', 'constructor', '__proto__']);

/**
 * The plain form of a parsed template, or undefined when it holds anything else (helpers, blocks,
 * comments, `this`, `../`, `@data`, literals). Handlebars renders such a token as
 * `lookupProperty` down the path (own properties only, as riposte renders with prototype access
 * off), then the value as text, `escapeExpression`d when escaped in an HTML field: so does
 * {@link renderPlain}, without the per-call setup of a compiled template (which wraps every
 * registered helper on each call).
 */
function plainTemplate(program: hbs.AST.Program): PlainTemplate | undefined {
  const plan: PlainTemplate = [];
  for (const node of program.body) {
    if (node.type === 'ContentStatement') {
      plan.push((node as hbs.AST.ContentStatement).value);
      continue;
    }
    if (node.type !== 'MustacheStatement') return undefined;
    const m = node as hbs.AST.MustacheStatement;
    if (m.params.length > 0 || (m.hash && m.hash.pairs.length > 0) || m.path.type !== 'PathExpression') return undefined;
    const path = m.path as hbs.AST.PathExpression;
    if (path.data || path.depth > 0 || path.parts.length === 0 || /^(this\b|\.)/.test(path.original) || path.original.includes('../')) return undefined;
    if (path.parts.some((part) => NOT_PLAIN.has(part))) return undefined;
    if (path.parts.length === 1 && Object.prototype.hasOwnProperty.call(hb().helpers, path.parts[0])) return undefined;
    plan.push({ path: path.parts, escaped: m.escaped });
  }
  return plan;
}

/** Renders a plain template as Handlebars would; undefined when a token reads a function (Handlebars would call it). */
function renderPlain(plan: PlainTemplate, data: unknown, html: boolean): string | undefined {
  let out = '';
  for (const piece of plan) {
    if (typeof piece === 'string') {
      out += piece;
      continue;
    }
    let value = data;
    for (const name of piece.path) {
      if (value === null || value === undefined) break;
      const found = (value as Record<string, unknown>)[name];
      value = found === null || found === undefined || Object.prototype.hasOwnProperty.call(value, name) ? found : undefined;
    }
    if (typeof value === 'function') return undefined;
    if (html && piece.escaped) out += hb().escapeExpression(value as string);
    else if (value !== null && value !== undefined) out += value as string;
  }
  return out;
}

interface Compiled {
  plain: PlainTemplate | undefined;
  template?: HandlebarsTemplateDelegate;
}
const compiled = new Map<string, Compiled>();

function compile(text: string, escaping: Escaping): Compiled {
  const cacheKey = `${escaping}\u0000${text}`;
  let entry = compiled.get(cacheKey);
  if (!entry) {
    inspectTemplate(text);
    entry = { plain: plainTemplate(parse(text)) };
    if (compiled.size > 2_000) compiled.clear();
    compiled.set(cacheKey, entry);
  }
  return entry;
}

/** True when the template is rendered without Handlebars' runtime (text and plain value tokens only). */
export function isPlainTemplate(text: string): boolean {
  return isTemplate(text) && compile(text, 'text').plain !== undefined;
}

function handlebarsTemplate(entry: Compiled, text: string, escaping: Escaping): HandlebarsTemplateDelegate {
  entry.template ??= hb().compile(text, { noEscape: escaping === 'text' });
  return entry.template;
}


const uriViews = new WeakMap<object, object>();

/** Context roots whose values the chain author or the operator chose: they render into URLs as written. */
const OWN_ROOTS: ReadonlySet<string> = new Set(['params', 'globals']);

/** The context with every value but the chain's params and the configuration's globals percent-encoded. */
function uriContext(context: Record<string, unknown>): Record<string, unknown> {
  const view = uriView(context) as Record<string, unknown>;
  return new Proxy(view, { get: (target, key, receiver) => (typeof key === 'string' && OWN_ROOTS.has(key) ? context[key] : Reflect.get(target, key, receiver)) });
}

/**
 * A read-only view of the context in which every string is percent-encoded as a URI component
 * (a value that is all `.` or `..` is refused where the URL is built). Views are made lazily, as
 * templates read them.
 */
function uriView(value: unknown): unknown {
  if (typeof value === 'string') return encodeURIComponent(value);
  if (typeof value !== 'object' || value === null) return value;
  let view = uriViews.get(value);
  if (!view) {
    view = new Proxy(value, {
      get: (target, key, receiver) => {
        const found = Reflect.get(target, key, receiver) as unknown;
        return typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key) ? uriView(found) : found;
      },
      set: () => false,
    });
    uriViews.set(value, view);
  }
  return view;
}

/** Options for rendering. */
export interface RenderOptions {
  escaping?: Escaping;
  /** A token naming a missing field throws instead of rendering empty. */
  strict?: boolean;
}

/** Renders one template. Returns the text and the tokens that named missing fields. */
export function renderString(text: string, context: Record<string, unknown>, options: RenderOptions = {}): { text: string; missing: string[] } {
  if (!isTemplate(text)) return { text, missing: [] };
  const escaping = options.escaping ?? 'text';
  const compiledEscaping = escaping === 'html' ? 'html' : 'text';
  const entry = compile(text, compiledEscaping);
  const { uses } = inspectTemplate(text);
  const missing = [...new Set(uses.filter((u) => resolve(context, u.path) === undefined).map((u) => u.path.join('.')))];
  if (options.strict && missing.length > 0) {
    const first = uses.find((u) => missing.includes(u.path.join('.')))!;
    throw new TemplateError(`token {{${missing[0]}}} names a missing field (strict chain)${missing.length > 1 ? `; also missing: ${missing.slice(1).join(', ')}` : ''}`, first.line, first.column);
  }
  let out: string;
  try {
    const data = escaping === 'html' ? { ...context, __escaping: 'html' } : escaping === 'uri' ? uriContext(context) : context;
    const plain = entry.plain && renderPlain(entry.plain, data, escaping === 'html');
    out = plain ?? handlebarsTemplate(entry, text, compiledEscaping)(data, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError(`token failed to render: ${(err as Error).message}`);
  }
  if (budget) {
    budget.chars += out.length;
    if (budget.chars > RENDER_OUTPUT_BUDGET) throw new TemplateError(`rendering produced more than ${RENDER_OUTPUT_BUDGET / 1_048_576} MiB of text; render fewer results into this step (attach them as CSV instead)`);
  }
  return { text: out, missing };
}

const WHOLE_JSON_TOKEN = /^\{\{\{?\s*json\s+([^\s}]+)\s*\}?\}\}$/;

/**
 * Renders every string leaf of a parameter tree. A leaf that is exactly `{{json x}}` is replaced by
 * the value itself, so JSON bodies keep numbers, arrays and objects as they are.
 * `escapingFor` picks the escaping per leaf path (HTML only where the field is HTML).
 */
export function renderTree(
  value: unknown,
  context: Record<string, unknown>,
  options: RenderOptions & { escapingFor?: (path: (string | number)[]) => Escaping } = {},
  path: (string | number)[] = [],
  missing: Set<string> = new Set(),
): { value: unknown; missing: string[] } {
  const walk = (v: unknown, at: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const escaping = options.escapingFor?.(at) ?? options.escaping ?? 'text';
      const whole = escaping === 'text' ? WHOLE_JSON_TOKEN.exec(v.trim()) : null;
      if (whole) {
        const found = resolve(context, whole[1].split('.'));
        if (found !== undefined) return found;
      }
      try {
        const out = renderString(v, context, { ...options, escaping });
        out.missing.forEach((m) => missing.add(m));
        return out.text;
      } catch (err) {
        if (err instanceof TemplateError) {
          const where = err.line !== undefined ? ` (line ${err.line}, column ${(err.column ?? 0) + 1})` : '';
          throw new TemplateError(`${formatPath(at)}: ${err.message}${where}`, err.line, err.column);
        }
        throw err;
      }
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...at, i]));
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...at, k]);
      return out;
    }
    return v;
  };
  const rendered = walk(value, path);
  return { value: rendered, missing: [...missing] };
}

