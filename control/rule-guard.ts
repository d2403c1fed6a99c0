// The rule guard's client side: signal counts and people's changes go to the rule's guard workflow.
import type { Client } from '@temporalio/client';
import { ProblemsError, RULE_WORKFLOW, ruleWorkflowId, type Chain, type RuleLimits, type RuleOperation, type RuleState } from '../dsl';
import type { Config } from '../config/config';
import { readRuleState } from './events';

export { readRuleState } from './events';

/** A rule id riposte accepts: it becomes part of a workflow id. */
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/** A rule id or count that cannot be used. */
export class RuleGuardInputError extends ProblemsError {
  constructor(path: 'ruleId' | 'count', message: string) {
    super([{ path, message }], { type: 'RuleGuardInputError', message });
  }
}

/** The configured limits. */
export function ruleLimits(config: Config): RuleLimits {
  return { hour: config.ruleGuard.hourLimit, day: config.ruleGuard.dayLimit };
}

function checkRuleId(ruleId: string): void {
  if (!RULE_ID.test(ruleId)) throw new RuleGuardInputError('ruleId', `rule id ${JSON.stringify(ruleId)}: use letters, digits, ".", "_", ":" and "-" (at most 200 characters)`);
}

async function signalGuard(client: Client, config: Config, ruleId: string, signal: string, payload: unknown, options: { name?: string; taskQueue?: string }): Promise<void> {
  checkRuleId(ruleId);
  const state: RuleState = {
    id: ruleId,
    name: options.name ?? ruleId,
    enabled: true,
    prototype: false,
    signals: { hour: 0, day: 0 },
    limits: ruleLimits(config),
    autoDisables: 0,
  };
  await client.workflow.signalWithStart(RULE_WORKFLOW, {
    workflowId: ruleWorkflowId(ruleId),
    taskQueue: options.taskQueue ?? config.temporal.taskQueue,
    args: [{ state, buckets: [] }],
    signal,
    signalArgs: [payload],
    staticSummary: `guards rule ${ruleId}`,
  });
}

/**
 * Reports that a rule produced `count` signals. Above the configured limits (signals in a sliding
 * hour or 24 hours) the guard disables the rule and fires `rule.disabled` once.
 */
export async function reportRuleSignals(client: Client, config: Config, ruleId: string, count: number, options: { name?: string; taskQueue?: string; at?: Date } = {}): Promise<void> {
  if (!Number.isInteger(count) || count < 0) throw new RuleGuardInputError('count', `signal count ${JSON.stringify(count)}: give a whole number of signals, 0 or more`);
  const at = (options.at ?? new Date()).toISOString();
  await signalGuard(client, config, ruleId, 'reportSignals', { count, at, limits: ruleLimits(config), ...(options.name ? { name: options.name } : {}) }, options);
}

/** Enables, disables, or moves a rule in or out of prototype mode by hand. Fires nothing. */
export async function changeRule(client: Client, config: Config, ruleId: string, operation: RuleOperation, options: { name?: string; taskQueue?: string } = {}): Promise<void> {
  await signalGuard(client, config, ruleId, 'ruleOperation', { operation, at: new Date().toISOString(), ...(options.name ? { name: options.name } : {}) }, options);
}

/** A rule's state; a rule nothing was reported for is enabled with no signals. */
export async function ruleStatus(client: Client, config: Config, ruleId: string): Promise<RuleState> {
  checkRuleId(ruleId);
  return (await readRuleState(client, ruleId)) ?? { id: ruleId, name: ruleId, enabled: true, prototype: false, signals: { hour: 0, day: 0 }, limits: ruleLimits(config), autoDisables: 0 };
}

/**
 * The state of the rule a job names when that rule is disabled, else undefined: whatever starts a
 * job (events, schedules, the intake API) skips it while its rule is disabled.
 */
export async function disabledRuleOf(client: Client, chain: Pick<Chain, 'rule'>): Promise<RuleState | undefined> {
  if (chain.rule === undefined) return undefined;
  const state = await readRuleState(client, chain.rule);
  return state && !state.enabled ? state : undefined;
}
