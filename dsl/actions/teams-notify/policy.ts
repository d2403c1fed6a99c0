// teams.notify: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, PER_INSIGHT } from '../policy';

/** teams.notify's policy. */
export const policy = {
  name: 'teams.notify',
  summary: 'Sends the Insight summary to a Microsoft Teams Workflows or incoming webhook as an Adaptive Card (or a MessageCard)',
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
