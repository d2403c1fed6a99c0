// webhook.send: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, FIRST_RESULT } from '../policy';

/** webhook.send's policy. */
export const policy = {
  name: 'webhook.send',
  summary: 'Sends an HTTP request built from protocol, host, port, method, path, query, auth, headers and body',
  connection: 'optional',
  connectionTypes: ['http'],
  rows: 'none',
  uriFields: ['path'],
  destinationField: 'host',
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['status', 'body'],
  onceReading: { seed: FIRST_RESULT, reading: 'one request, rendered with the first result as `result` (`results` still holds every result, e.g. for a body `{{json results}}`)' },
} as const satisfies ActionPolicy;
