// sns.publish: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** sns.publish's policy. */
export const policy = {
  name: 'sns.publish',
  summary: "Publishes the Insight JSON to an SNS topic, SigV4-signed with an aws connection's keys or an assumed role",
  connection: 'required',
  connectionTypes: ['aws'],
  rows: 'none',
  receivesTrigger: true,
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['messageId'],
  onceReading: PER_INSIGHT,
  onClosedInsight: false,
} as const satisfies ActionPolicy;
