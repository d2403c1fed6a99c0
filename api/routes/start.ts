// Starting a run through the API: refused while the rule the chain names is disabled by the rule guard or by hand.
import type { FastifyReply } from 'fastify';
import { disabledRuleMessage, type Chain } from '../../dsl';
import { startJobRun } from '../../control/job-runs';
import { disabledRuleOf } from '../../control/rule-guard';
import { ApiError } from '../errors';
import type { RouteDeps } from './deps';

/** What a start is asked with. */
export interface ApiStart {
  chain: Chain;
  results: Record<string, unknown>[];
  params: Record<string, unknown>;
  triggerId: string | undefined;
  /** The chain was given in the request, not read from the jobs directory. */
  inline?: boolean;
}

/** Starts the run and answers 201 (started) or 200 (the trigger id had already started it). */
export async function startApiRun(deps: RouteDeps, start: ApiStart, reply: FastifyReply): Promise<FastifyReply> {
  const { client, config, store, uiUrl } = deps;
  const disabled = await disabledRuleOf(client, start.chain);
  if (disabled) throw new ApiError(409, `job "${start.chain.name}" is not started: ${disabledRuleMessage(disabled)}; enable it with \`riposte rule enable ${disabled.id}\``);
  const started = await startJobRun({ client, config, store, uiUrl }, start.chain, { results: start.results, params: start.params, trigger: { type: 'api' }, triggerId: start.triggerId, inline: start.inline ?? false });
  return reply.code(started.created ? 201 : 200).send(started);
}
