// `riposte actions`: the catalogue as users read it, generated from the action specs and their zod schemas.
import { z } from 'zod';
import { ACTION_NAMES, CATALOGUE, type ActionName, type ActionSpec } from '../dsl';
import { CliError } from './cli-error';

/** One parameter of an action, from its zod schema. */
export interface ParameterInfo {
  name: string;
  /** A short type: `string`, `integer`, `boolean`, `string | string[]`, `"GET" | "POST"`, `object`. */
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

/** What `riposte actions show ACTION --json` prints. */
export interface ActionInfo {
  action: ActionName;
  summary: string;
  connection: ActionSpec['connection'];
  connectionTypes?: readonly string[];
  /** Which rows the action receives besides its parameters: none, the step's result, or all results. */
  rows: ActionSpec['rows'];
  timeout: string;
  retry: ActionSpec['retry'];
  parameters: ParameterInfo[];
  outputs: readonly string[];
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
};

/** A JSON Schema node as a short type expression. */
function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = s.anyOf ?? s.oneOf;
  if (union) return [...new Set(union.map(typeOf))].join(' | ');
  if (s.type === 'array') return `${s.items ? wrap(typeOf(s.items)) : 'any'}[]`;
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? 'any';
}

function wrap(t: string): string {
  return t.includes(' | ') ? `(${t})` : t;
}

/** The action's parameters with types, defaults and whether they are required, from its schema. */
export function parametersOf(action: ActionName): ParameterInfo[] {
  const schema = z.toJSONSchema(CATALOGUE[action].params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    type: typeOf(p),
    required: required.has(name),
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(p.description ? { description: p.description } : {}),
  }));
}

/** One action of the catalogue, or a clear error naming the known ones. */
export function actionInfo(name: string): ActionInfo {
  if (!Object.prototype.hasOwnProperty.call(CATALOGUE, name)) throw new CliError(`unknown action "${name}"; known actions: ${ACTION_NAMES.join(', ')}`);
  const action = name as ActionName;
  const spec: ActionSpec = CATALOGUE[action];
  return {
    action,
    summary: spec.summary,
    connection: spec.connection,
    ...(spec.connectionTypes ? { connectionTypes: spec.connectionTypes } : {}),
    rows: spec.rows,
    timeout: spec.timeout,
    retry: spec.retry,
    parameters: parametersOf(action),
    outputs: spec.output,
  };
}

/** Every action, in catalogue order. */
export function listActions(): ActionInfo[] {
  return ACTION_NAMES.map((a) => actionInfo(a));
}

/** The text of `riposte actions show`. */
export function formatAction(info: ActionInfo): string[] {
  const lines = [`${info.action}: ${info.summary}`];
  const connection = info.connection === 'none' ? 'none' : `${info.connection}${info.connectionTypes ? ` (${info.connectionTypes.join(', ')})` : ''}`;
  lines.push(`  connection: ${connection}`, `  timeout: ${info.timeout}; retry: ${info.retry.maxAttempts} attempts, ${info.retry.initialInterval} backoff x${info.retry.backoff} up to ${info.retry.maxInterval}`);
  lines.push('  parameters (with):');
  if (info.parameters.length === 0) lines.push('    none');
  const width = Math.max(0, ...info.parameters.map((p) => p.name.length));
  for (const p of info.parameters) {
    const flags = p.required ? 'required' : p.default !== undefined ? `default ${JSON.stringify(p.default)}` : 'optional';
    lines.push(`    ${p.name.padEnd(width)}  ${p.type}  (${flags})${p.description ? `  ${p.description}` : ''}`);
  }
  lines.push(`  outputs (steps.<id>.<field>): ${info.outputs.join(', ') || 'none'}`);
  return lines;
}
