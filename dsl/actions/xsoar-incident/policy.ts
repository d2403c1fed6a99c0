// xsoar.incident: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** xsoar.incident's policy. */
export const policy = {
  name: 'xsoar.incident',
  summary: 'Creates a Cortex XSOAR (Demisto) incident from the Insight JSON via /incident/json, with API key, client certificate and extra headers',
  connection: 'required',
  connectionTypes: ['apikey'],
  rows: 'none',
  receivesTrigger: true,
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['incidentId'],
  onceReading: PER_INSIGHT,
  onClosedInsight: false,
} as const satisfies ActionPolicy;
