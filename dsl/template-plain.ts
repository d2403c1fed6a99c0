// What templates share with the workflow: token roots, render budgets, the truth of a `when`, path text and the template error. No template engine.

/** The top-level names a token may start with. */
export const TOKEN_ROOTS = ['result', 'results', 'index', 'steps', 'params', 'globals', 'job', 'run', 'trigger', 'local'] as const;

/** Block iterations (`each`) a step's rendering may take in all. */
export const RENDER_ITERATION_BUDGET = 1_000_000;
/** Characters a step's rendering may produce in all. */
export const RENDER_OUTPUT_BUDGET = 16 * 1_048_576;

/** A token that failed to parse or render; `line`/`column` point into the template. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A `when` condition holds unless it renders to "", "false", "0", "null" or "undefined". */
export function isTruthy(rendered: string): boolean {
  return !['', 'false', '0', 'null', 'undefined'].includes(rendered.trim());
}

/** `with.to[0]` style path text for messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out.length === 0 ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** The value at a token's path: own properties only, `length` of an array, undefined where the path ends. */
export
function resolvePath(context: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = context;
  for (const part of path) {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value) && part === 'length') return value.length;
    if (typeof value !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
