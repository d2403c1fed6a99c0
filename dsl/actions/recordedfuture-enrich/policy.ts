// recordedfuture.enrich: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** recordedfuture.enrich's policy. */
export const policy = {
  name: 'recordedfuture.enrich',
  summary: 'Looks up the IPs, domains and hashes of the Records in Recorded Future and attaches the answers to the Insight and/or its Signals',
  connection: 'required',
  connectionTypes: ['apikey'],
  rows: 'none',
  receivesTrigger: true,
  timeout: '2m',
  retry: PEER_RETRY,
  output: ['enrichments', 'lookups', 'cacheHits', 'skipped'],
  onceReading: PER_INSIGHT,
  onClosedInsight: false,
} as const satisfies ActionPolicy;
