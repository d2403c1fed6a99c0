// http.post: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** http.post's policy. */
export const policy = {
  name: 'http.post',
  summary: 'POSTs the Insight JSON, optionally with its Signals and Records (or selected Record fields), to an allowed port',
  connection: 'optional',
  connectionTypes: ['http'],
  rows: 'none',
  uriFields: ['url'],
  destinationField: 'url',
  receivesTrigger: true,
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['status'],
  onceReading: PER_INSIGHT,
} as const satisfies ActionPolicy;
