// Every action's plain policy by name, and the names: what the workflow may know of the catalogue (no zod).
import { POLICIES } from './actions/policies';
import type { ActionPolicy } from './actions/policy';

export { POLICIES } from './actions/policies';

/** A name from the catalogue. */
export type ActionName = keyof typeof POLICIES;

/** Actions the workflow itself carries out (a child workflow, a durable wait), with no activity of their own name. */
export type WorkflowActionName = { [K in ActionName]: (typeof POLICIES)[K] extends { inWorkflow: true } ? K : never }[ActionName];

/** Actions carried out by an activity of the same name. */
export type ActivityActionName = Exclude<ActionName, WorkflowActionName>;

/** Names in the contract whose connectors are not part of this version yet. */
export const PLANNED_ACTIONS = [] as const;

/** The catalogue's action names, in registration order. */
export const ACTION_NAMES = Object.keys(POLICIES) as ActionName[];

/** True when `name` is an action this version runs. */
export function isActionName(name: string): name is ActionName {
  return Object.prototype.hasOwnProperty.call(POLICIES, name);
}

/** The policy of an action. */
export function actionPolicy(name: ActionName): ActionPolicy {
  return POLICIES[name];
}

/**
 * The actions Cloud SIEM offers for Insight creation and on demand but not when an Insight is
 * closed ("When Closed" is shown only for HTTP POST v2), from each policy's `onClosedInsight`.
 * Actions outside Cloud SIEM (the store writes, `events.log`, `webhook.send`, ...) may run on any event.
 */
export const NOT_ON_CLOSE_ACTIONS: readonly ActionName[] = ACTION_NAMES.filter((name) => (POLICIES[name] as ActionPolicy).onClosedInsight === false);
