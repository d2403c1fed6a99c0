// The action catalogue: each action's policy with its parameter schema, derived from the definitions under dsl/actions/.
import type { z } from 'zod';
import { ACTION_NAMES, POLICIES, type ActionName } from './action-policies';
import { DEFINITIONS } from './actions/definitions';
import type { ConnectionType } from './actions/define';
import type { ActionPolicy } from './actions/policy';
import type { LiteralParams } from './segments';

export * from './action-policies';
export { DEFINITIONS, type ActionOutputs } from './actions/definitions';
export type { ActionDefinition, ConnectionType, SchemaRefinements, StepCheck } from './actions/define';
export type { ActionPolicy, RetrySpec } from './actions/policy';
export { MAX_JOB_DEPTH, type JobRunOutput } from './actions/job-run';

/** What an action needs to know about the engine and the engine about it: its policy and its parameter schema. */
export interface ActionSpec<S extends z.ZodType = z.ZodType> extends ActionPolicy {
  params: S;
  /** See {@link ActionDefinition.beforeRender}. */
  beforeRender?: (params: Record<string, unknown>) => LiteralParams;
}

type Catalogue = { [K in ActionName]: (typeof POLICIES)[K] & { params: (typeof DEFINITIONS)[K]['params']; beforeRender?: (params: Record<string, unknown>) => LiteralParams } };

/** Every action riposte runs, by its contract name. */
export const CATALOGUE = Object.fromEntries(
  ACTION_NAMES.map((name) => {
    const definition = DEFINITIONS[name] as { params: z.ZodType; beforeRender?: ActionSpec['beforeRender'] };
    return [name, { ...POLICIES[name], params: definition.params, ...(definition.beforeRender ? { beforeRender: definition.beforeRender } : {}) }];
  }),
) as Catalogue;

/** The parameters of an action, after rendering and defaults. */
export type ActionParams<A extends ActionName> = z.output<(typeof DEFINITIONS)[A]['params']>;

/** The spec of an action. */
export function actionSpec(name: ActionName): ActionSpec {
  return CATALOGUE[name];
}

/** The connection types the actions bring to the configuration, besides the built-in ones. */
export const ACTION_CONNECTION_TYPES: readonly ConnectionType[] = ACTION_NAMES.flatMap((name) => (DEFINITIONS[name] as { connectionTypes?: readonly ConnectionType[] }).connectionTypes ?? []);
