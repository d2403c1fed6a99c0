// slack.post: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** slack.post's policy. */
export const policy = {
  name: 'slack.post',
  summary: 'Posts the Insight summary to a Slack channel with the Web API (chat.postMessage)',
  connection: 'required',
  connectionTypes: ['apikey'],
  rows: 'none',
  receivesTrigger: true,
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['ts', 'channel'],
  onceReading: PER_INSIGHT,
  onClosedInsight: false,
} as const satisfies ActionPolicy;
