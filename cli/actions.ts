// `riposte actions`: the catalogue as users read it, generated from the action definitions.
import { ACTION_NAMES, CATALOGUE, type ActionName, type ActionSpec } from '../dsl';
import { parametersOf as parametersOfSchema, type ParameterInfo } from '../dsl/action-docs';
import { CliError } from './cli-error';

export type { ParameterInfo } from '../dsl/action-docs';

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

/** The action's parameters with types, defaults and whether they are required, from its schema. */
export function parametersOf(action: ActionName): ParameterInfo[] {
  return parametersOfSchema(CATALOGUE[action].params);
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
