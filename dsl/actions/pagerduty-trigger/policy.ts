// pagerduty.trigger: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** pagerduty.trigger's policy. */
export const policy = {
  name: 'pagerduty.trigger',
  summary: 'Triggers a PagerDuty alert (Events API v2) with the Insight summary; the Insight id is the dedup key',
  connection: 'required',
  connectionTypes: ['apikey'],
  rows: 'none',
  receivesTrigger: true,
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['dedupKey', 'status'],
  onceReading: PER_INSIGHT,
  onClosedInsight: false,
} as const satisfies ActionPolicy;
