// slack.webhook: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** slack.webhook's policy. */
export const policy = {
  name: 'slack.webhook',
  summary: 'Posts the Insight JSON to a Slack incoming webhook',
  connection: 'required',
  connectionTypes: ['http'],
  rows: 'none',
  receivesTrigger: true,
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['status'],
  onceReading: PER_INSIGHT,
  onClosedInsight: false,
} as const satisfies ActionPolicy;
