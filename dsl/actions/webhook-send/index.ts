// webhook.send: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction, type StepCheck } from '../define';
import type { Problem } from '../../problems';
import { readsOnlyOwnValues } from '../shared/own-values';
import { webhookSendParams } from './params';
import { policy } from './policy';

export * from './params';
export type { WebhookSendOutput as Output } from './params';
export { policy } from './policy';

/**
 * webhook.send's origin comes from the chain or the connection: tokens may fill protocol, host or
 * port only with `dynamicHost: true`.
 */
function webhookDestinationProblems({ params: w, connection, at }: StepCheck): Problem[] {
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

/** webhook.send, defined once. */
export const definition = defineAction({
  policy,
  params: webhookSendParams,
  check: webhookDestinationProblems,
});
