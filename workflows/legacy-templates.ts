// The decisions of runs started before templates left the workflow, made again on their replay without a template engine.
//
// Those runs rendered `when`, `with`, local params and throttle keys in the workflow with Handlebars,
// and their histories hold only what followed: a `when` that rendered false or a template that failed
// scheduled no activity. Replaying them must schedule the same activities, so this module reads the
// templates of riposte's token language (paths, literals, helpers, subexpressions, `if`, `unless`,
// `each`, `with`, comments) and renders them as Handlebars did. It renders no HTML or URI escaping:
// escaping changes the text an activity is sent, never which activities run. New runs never come
// here: their activities render with Handlebars itself.
import { CATALOGUE, RENDER_ITERATION_BUDGET, RENDER_OUTPUT_BUDGET, TemplateError, formatPath, isTruthy, resolvePath as resolve, type ActionName, type ActionSpec, type Step } from '../dsl/model';


interface Path {
  type: 'path';
  parts: string[];
  data: boolean;
  depth: number;
  original: string;
  line: number;
  column: number;
}
type Expr = Path | { type: 'literal'; value: unknown } | Call;
interface Call {
  type: 'call';
  path: Expr;
  params: Expr[];
  hash: [string, Expr][];
}
type Node = { type: 'text'; text: string } | { type: 'mustache'; call: Call } | { type: 'block'; call: Call; program: Node[]; inverse: Node[] };

const HELPER_NAMES = new Set(['json', 'csv', 'table', 'join', 'default', 'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'and', 'or', 'not', 'upper', 'lower', 'urlencode', 'date', 'if', 'unless', 'each', 'with', 'lookup']);

function lineColumn(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - (before.lastIndexOf('\n') + 1) };
}

/** Reads the expressions of one mustache: `name arg "text" 3 (sub x) key=value`. */
function parseExpressions(source: string, text: string, offset: number): Call {
  let i = 0;
  const fail = (why: string): never => {
    const at = lineColumn(text, offset + i);
    throw new TemplateError(`bad token syntax: ${why}`, at.line, at.column);
  };
  const space = () => {
    while (i < source.length && /\s/.test(source[i])) i++;
  };
  const expr = (): Expr => {
    space();
    const ch = source[i];
    if (ch === '(') {
      i++;
      const call = list(')');
      i++;
      return call;
    }
    if (ch === '"' || ch === "'") {
      const end = source.indexOf(ch, i + 1);
      if (end < 0) fail('unterminated string');
      const value = source.slice(i + 1, end);
      i = end + 1;
      return { type: 'literal', value };
    }
    const start = i;
    while (i < source.length && !/[\s()=]/.test(source[i])) {
      if (source[i] === '[') i = source.indexOf(']', i) + 1 || fail('unterminated [');
      else i++;
    }
    const word = source.slice(start, i);
    if (word === '') fail('expected an expression');
    if (/^-?\d+(\.\d+)?$/.test(word)) return { type: 'literal', value: Number(word) };
    if (word === 'true' || word === 'false') return { type: 'literal', value: word === 'true' };
    if (word === 'null') return { type: 'literal', value: null };
    if (word === 'undefined') return { type: 'literal', value: undefined };
    let rest = word;
    let depth = 0;
    const data = rest.startsWith('@');
    if (data) rest = rest.slice(1);
    while (rest.startsWith('../')) {
      depth++;
      rest = rest.slice(3);
    }
    const parts = rest
      .split(/[./]/)
      .filter((p) => p !== '')
      .map((p) => (p.startsWith('[') && p.endsWith(']') ? p.slice(1, -1) : p));
    if (!data && (parts[0] === 'this' || rest.startsWith('./'))) parts.splice(0, parts[0] === 'this' ? 1 : 0);
    const at = lineColumn(text, offset + start);
    return { type: 'path', parts, data, depth, original: word, line: at.line, column: at.column };
  };
  const list = (close: string): Call => {
    const path = expr();
    const params: Expr[] = [];
    const hash: [string, Expr][] = [];
    for (;;) {
      space();
      if (i >= source.length || source[i] === close) break;
      const key = /^([A-Za-z_$][\w$-]*)=/.exec(source.slice(i));
      if (key) {
        i += key[0].length;
        hash.push([key[1], expr()]);
      } else params.push(expr());
    }
    if (close === ')' && source[i] !== ')') fail('unclosed (');
    return { type: 'call', path, params, hash };
  };
  const call = list('');
  return call;
}

/** Parsed templates; the module is shared by every run of a worker thread (see worker/bundle.ts), so the cache is bounded. */
const parsed = new Map<string, Node[]>();

/** Parses a template into its nodes. */
function parse(text: string): Node[] {
  const known = parsed.get(text);
  if (known) return known;
  let i = 0;
  const program = (inBlock: string | null): { nodes: Node[]; end: 'close' | 'else' | 'eof'; elseCall?: Call } => {
    const nodes: Node[] = [];
    let trimNext = false;
    const pushText = (t: string) => {
      const value = trimNext ? t.replace(/^\s+/, '') : t;
      trimNext = false;
      if (value) nodes.push({ type: 'text', text: value });
    };
    while (i < text.length) {
      const open = text.indexOf('{{', i);
      if (open < 0) {
        pushText(text.slice(i));
        i = text.length;
        break;
      }
      if (open > 0 && text[open - 1] === '\\' && !(open > 1 && text[open - 2] === '\\')) {
        // `\{{` is literal text up to the next mustache.
        pushText(text.slice(i, open - 1));
        const next = text.indexOf('{{', open + 2);
        const end = next < 0 ? text.length : next;
        pushText(text.slice(open, end));
        i = end;
        continue;
      }
      let before = text.slice(i, open - (open > 1 && text[open - 1] === '\\' && text[open - 2] === '\\' ? 1 : 0));
      const triple = text.startsWith('{{{', open);
      const closer = triple ? '}}}' : '}}';
      let inner: string;
      let close: number;
      if (text.startsWith('{{!--', open)) {
        close = text.indexOf('--}}', open);
        if (close < 0) throw new TemplateError('bad token syntax: unclosed comment');
        inner = '!';
        close += 2;
      } else {
        close = text.indexOf(closer, open + closer.length);
        if (close < 0) {
          const at = lineColumn(text, open);
          throw new TemplateError('bad token syntax: unclosed {{', at.line, at.column);
        }
        inner = text.slice(open + closer.length, close);
      }
      let body = inner;
      if (body.startsWith('~')) {
        body = body.slice(1);
        before = before.replace(/\s+$/, '');
      }
      const trimAfter = body.endsWith('~');
      if (trimAfter) body = body.slice(0, -1);
      pushText(before);
      i = close + closer.length;
      const bodyOffset = open + closer.length + (inner.startsWith('~') ? 1 : 0);
      const sigil = body.trimStart()[0];
      const content = body.trimStart().slice(1).trim();
      if (sigil === '!') {
        // a comment
      } else if (sigil === '#') {
        const call = parseExpressions(content, text, bodyOffset + 1);
        const name = (call.path as Path).original;
        trimNext = trimAfter;
        const inside = program(name);
        let inverse: Node[] = [];
        if (inside.end === 'else') {
          if (inside.elseCall) {
            const chained = program(name);
            const rest = chained.end === 'else' ? program(name) : { nodes: [] };
            inverse = [{ type: 'block', call: inside.elseCall, program: chained.nodes, inverse: rest.nodes }];
          } else inverse = program(name).nodes;
        }
        nodes.push({ type: 'block', call, program: inside.nodes, inverse });
      } else if (sigil === '/') {
        if (inBlock === null) throw new TemplateError(`bad token syntax: {{/${content}}} closes no block`);
        trimNext = trimAfter;
        return { nodes, end: 'close' };
      } else if (body.trim() === 'else' || body.trim() === '^' || body.trim().startsWith('else ')) {
        if (inBlock === null) throw new TemplateError('bad token syntax: {{else}} outside a block');
        const chained = body.trim().startsWith('else ') ? parseExpressions(body.trim().slice(5), text, bodyOffset) : undefined;
        return { nodes, end: 'else', ...(chained ? { elseCall: chained } : {}) };
      } else {
        const expr = sigil === '&' ? content : body.trim();
        nodes.push({ type: 'mustache', call: parseExpressions(expr, text, bodyOffset) });
      }
      trimNext = trimAfter;
    }
    if (inBlock !== null) throw new TemplateError(`bad token syntax: {{#${inBlock}}} is not closed`);
    return { nodes, end: 'eof' };
  };
  const nodes = program(null).nodes;
  if (parsed.size > 2_000) parsed.clear();
  parsed.set(text, nodes);
  return nodes;
}

const nameOf = (e: Expr) => (e.type === 'path' ? e.original : '');

/** The paths a template reads in its own scope, as dsl/template.ts counts them for missing tokens. */
function collectUses(nodes: Node[], uses: Path[], optional: Path[]): void {
  const addPath = (e: Expr, into: Path[]) => {
    if (e.type === 'path') {
      if (e.data || e.depth > 0 || e.parts.length === 0 || e.original.startsWith('this')) return;
      into.push(e);
    } else if (e.type === 'call') visitCall(e);
  };
  const visitCall = (c: Call) => {
    const name = nameOf(c.path);
    const into = name === 'default' || name === 'if' || name === 'unless' ? optional : uses;
    c.params.forEach((p) => addPath(p, into));
    c.hash.forEach(([, v]) => addPath(v, into));
  };
  for (const node of nodes) {
    if (node.type === 'mustache') {
      const c = node.call;
      if (c.params.length === 0 && c.hash.length === 0 && !HELPER_NAMES.has(nameOf(c.path))) addPath(c.path, uses);
      else visitCall(c);
    } else if (node.type === 'block') {
      const name = nameOf(node.call.path);
      visitCall(node.call);
      if (name === 'if' || name === 'unless') collectUses(node.program, uses, optional);
      collectUses(node.inverse, uses, optional);
    }
  }
}


/** Handlebars' property lookup: own properties only. */
function lookup(value: unknown, key: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  const k = String(key);
  return Object.prototype.hasOwnProperty.call(Object(value), k) ? (value as Record<string, unknown>)[k] : undefined;
}

const isEmpty = (v: unknown) => (!v && v !== 0) || (Array.isArray(v) && v.length === 0);
const truthy = (v: unknown) => (Array.isArray(v) ? v.length > 0 : isTruthy(v === undefined || v === null ? '' : String(v)));
const toNumberOrText = (v: unknown): number | string => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : String(v));
const same = (a: unknown, b: unknown) => a === b || String(a) === String(b);

interface Frame {
  contexts: unknown[];
  data: Record<string, unknown>;
}

interface Budget {
  iterations: number;
  chars: number;
}

function helper(name: string, args: unknown[]): unknown {
  const [a, b] = args;
  switch (name) {
    case 'json':
      return JSON.stringify(a ?? null, null, typeof b === 'number' ? b : undefined);
    case 'join':
      return Array.isArray(a) ? a.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? ''))).join(typeof b === 'string' ? b : ', ') : String(a ?? '');
    case 'default':
      return a === undefined || a === null || a === '' ? b : a;
    case 'eq':
      return same(a, b);
    case 'ne':
      return !same(a, b);
    case 'gt':
      return toNumberOrText(a) > toNumberOrText(b);
    case 'gte':
      return toNumberOrText(a) >= toNumberOrText(b);
    case 'lt':
      return toNumberOrText(a) < toNumberOrText(b);
    case 'lte':
      return toNumberOrText(a) <= toNumberOrText(b);
    case 'and':
      return args.every(truthy);
    case 'or':
      return args.some(truthy);
    case 'not':
      return !truthy(a);
    case 'upper':
      return String(a ?? '').toUpperCase();
    case 'lower':
      return String(a ?? '').toLowerCase();
    case 'urlencode':
      return encodeURIComponent(String(a ?? ''));
    case 'lookup':
      return lookup(a, b);
    default:
      // csv, table and date shape text only; which activities run never depends on them.
      return args.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v ?? ''))).join(' ');
  }
}

function evaluate(e: Expr, frame: Frame, budget: Budget): unknown {
  if (e.type === 'literal') return e.value;
  if (e.type === 'call') {
    const name = nameOf(e.path);
    return helper(name, e.params.map((p) => evaluate(p, frame, budget)));
  }
  if (e.data) {
    const [first, ...rest] = e.parts;
    let v: unknown = first === 'root' ? frame.contexts[0] : frame.data[first];
    for (const p of rest) v = lookup(v, p);
    return v;
  }
  let v = frame.contexts[Math.max(0, frame.contexts.length - 1 - e.depth)];
  for (const p of e.parts) v = lookup(v, p);
  return v;
}

function renderNodes(nodes: Node[], frame: Frame, budget: Budget): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') out += node.text;
    else if (node.type === 'mustache') {
      const c = node.call;
      const name = nameOf(c.path);
      const value = c.params.length === 0 && c.hash.length === 0 && !HELPER_NAMES.has(name) ? evaluate(c.path, frame, budget) : evaluate({ ...c }, frame, budget);
      out += value === null || value === undefined ? '' : String(value);
    } else {
      const name = nameOf(node.call.path);
      const arg = node.call.params[0] ? evaluate(node.call.params[0], frame, budget) : undefined;
      if (name === 'if' || name === 'unless') {
        const holds = !isEmpty(arg);
        out += renderNodes((name === 'if') === holds ? node.program : node.inverse, frame, budget);
      } else if (name === 'with') {
        out += isEmpty(arg) ? renderNodes(node.inverse, frame, budget) : renderNodes(node.program, { contexts: [...frame.contexts, arg], data: frame.data }, budget);
      } else if (name === 'each') {
        const entries: [string | number, unknown][] = Array.isArray(arg) ? arg.map((v, k) => [k, v]) : typeof arg === 'object' && arg !== null ? Object.entries(arg) : [];
        budget.iterations += entries.length;
        if (budget.iterations > RENDER_ITERATION_BUDGET) throw new TemplateError(`rendering would take more than ${RENDER_ITERATION_BUDGET.toLocaleString('en')} {{#each}} iterations; loop over fewer results (nested {{#each}} multiply)`);
        if (entries.length === 0) out += renderNodes(node.inverse, frame, budget);
        entries.forEach(([key, item], k) => {
          const data = { ...frame.data, index: k, key, first: k === 0, last: k === entries.length - 1 };
          out += renderNodes(node.program, { contexts: [...frame.contexts, item], data }, budget);
        });
      } else {
        // Another helper used as a block renders its body when its value holds.
        out += renderNodes(truthy(evaluate(node.call, frame, budget)) ? node.program : node.inverse, frame, budget);
      }
    }
  }
  return out;
}

/** Renders one template as dsl/template.ts's renderString did, escaping aside. */
export function renderLegacy(text: string, context: Record<string, unknown>, strict: boolean, budget: Budget): { text: string; missing: string[] } {
  if (!text.includes('{{')) return { text, missing: [] };
  const nodes = parse(text);
  const uses: Path[] = [];
  collectUses(nodes, uses, []);
  const missing = [...new Set(uses.filter((u) => resolve(context, u.parts) === undefined).map((u) => u.parts.join('.')))];
  if (strict && missing.length > 0) {
    const first = uses.find((u) => missing.includes(u.parts.join('.')))!;
    throw new TemplateError(`token {{${missing[0]}}} names a missing field (strict chain)${missing.length > 1 ? `; also missing: ${missing.slice(1).join(', ')}` : ''}`, first.line, first.column);
  }
  const out = renderNodes(nodes, { contexts: [context], data: { root: context } }, budget);
  budget.chars += out.length;
  if (budget.chars > RENDER_OUTPUT_BUDGET) throw new TemplateError(`rendering produced more than ${RENDER_OUTPUT_BUDGET / 1_048_576} MiB of text; render fewer results into this step (attach them as CSV instead)`);
  return { text: out, missing };
}

const WHOLE_JSON_TOKEN = /^\{\{\{?\s*json\s+([^\s}]+)\s*\}?\}\}$/;

function renderTreeLegacy(value: unknown, context: Record<string, unknown>, strict: boolean, budget: Budget, path: (string | number)[], missing: Set<string>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_JSON_TOKEN.exec(value.trim());
    if (whole) {
      const found = resolve(context, whole[1].split('.'));
      if (found !== undefined) return found;
    }
    try {
      const out = renderLegacy(value, context, strict, budget);
      out.missing.forEach((m) => missing.add(m));
      return out.text;
    } catch (err) {
      if (err instanceof TemplateError) {
        const where = err.line !== undefined ? ` (line ${err.line}, column ${(err.column ?? 0) + 1})` : '';
        throw new TemplateError(`${formatPath(path)}: ${err.message}${where}`, err.line, err.column);
      }
      throw err;
    }
  }
  if (Array.isArray(value)) return value.map((item, i) => renderTreeLegacy(item, context, strict, budget, [...path, i], missing));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTreeLegacy(v, context, strict, budget, [...path, k], missing)]));
  return value;
}

/** What a run started before templates left the workflow decided for one execution. */
export type LegacyDecision = { skip: true; missing: string[] } | { skip: false; params: unknown; throttleKey?: string; missing: string[] };

/**
 * Renders `when`, local params, `with` and the throttle key as the workflow did before templates
 * left it, so a replay schedules the activities its history holds. Throws TemplateError
 * where that workflow's rendering threw (the step failed without an activity).
 */
export function decideLegacy(strict: boolean | undefined, step: Step, context: Record<string, unknown>): LegacyDecision {
  const budget: Budget = { iterations: 0, chars: 0 };
  const missing = new Set<string>();
  const isStrict = strict === true;
  if (step.when !== undefined) {
    const when = renderLegacy(step.when, context, isStrict, budget);
    when.missing.forEach((m) => missing.add(m));
    if (!isTruthy(when.text)) return { skip: true, missing: [...missing] };
  }
  const spec: ActionSpec = CATALOGUE[step.action as ActionName];
  const raw = step.with as Record<string, unknown>;
  let scope = context;
  if (raw.localParams && typeof raw.localParams === 'object') {
    scope = { ...context, local: renderTreeLegacy(raw.localParams, context, isStrict, budget, ['with', 'localParams'], missing) };
  }
  const deferred = Object.keys(spec.deferredFields ?? {}).filter((f) => raw[f] !== undefined);
  const params = renderTreeLegacy(Object.fromEntries(Object.entries(raw).filter(([k]) => !deferred.includes(k))), scope, isStrict, budget, ['with'], missing) as Record<string, unknown>;
  for (const f of deferred) params[f] = raw[f];
  const throttleKey = step.throttle ? renderLegacy(step.throttle.key, scope, isStrict, budget).text : undefined;
  return { skip: false, params, missing: [...missing], ...(throttleKey !== undefined ? { throttleKey } : {}) };
}
