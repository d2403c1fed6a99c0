// http.post: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction, type StepCheck } from '../define';
import type { Problem } from '../../problems';
import { isTemplate } from '../../template';
import { readsOnlyOwnValues } from '../shared/own-values';
import { destinationPort, httpPostParams } from '../shared/insight-params';
import { policy } from './policy';

export type { StatusOutput as Output } from '../shared/insight-params';
export { policy } from './policy';

/** The literal start of a URL up to its path: `https://host:port/`. */
const LITERAL_ORIGIN = /^https?:\/\/[^/?#{}\s]+[/?#]/i;

/** http.post needs a URL, and a literal URL must reach an allowed port (checked again before connecting). */
function checkPostDestination({ params, connection, context, at }: StepCheck): Problem[] {
  const url = params.url;
  if (url === undefined) return connection === undefined ? [{ path: at('with', 'url'), message: 'give the URL, or name an http connection that holds it' }] : [];
  if (typeof url === 'string' && isTemplate(url)) {
    const head = url.slice(0, url.indexOf('{{'));
    if (!LITERAL_ORIGIN.test(head) && !readsOnlyOwnValues(url)) return [{ path: at('with', 'url'), message: 'write the scheme, host and port literally (https://host:port/...) or from {{params.*}} / {{globals.*}}; tokens from the Insight or results may fill only the path and query, so that a log field cannot choose where the Insight goes' }];
  }
  if (typeof url !== 'string' || isTemplate(url) || !context.allowedPorts) return [];
  const port = destinationPort(url);
  if (port === undefined || context.allowedPorts.includes(port)) return [];
  return [{ path: at('with', 'url'), message: `port ${port} is not an allowed destination port (${context.allowedPorts.join(', ')}); use one of them, or add it to "allowedPorts" in riposte.config.json` }];
}

/** http.post, defined once. */
export const definition = defineAction({
  policy,
  params: httpPostParams,
  check: checkPostDestination,
  jsonSchema: { object: [{ dependentRequired: { password: ['username'] } }] },
});
