// hipchat.notify: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** hipchat.notify's policy. */
export const policy = {
  name: 'hipchat.notify',
  summary: 'Sends the Insight summary to a HipChat room (API v2 room notification)',
  connection: 'required',
  connectionTypes: ['apikey'],
  rows: 'none',
  receivesTrigger: true,
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['status'],
  onceReading: PER_INSIGHT,
  onClosedInsight: false,
} as const satisfies ActionPolicy;
