// approval.request: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY } from '../policy';

/** approval.request's policy. */
export const policy = {
  name: 'approval.request',
  summary: 'Waits until a person approves or rejects (a link in the notifications it sends, `riposte approvals`, the API) or the timeout decides',
  connection: 'none',
  rows: 'none',
  deferredFields: { channels: ['approval'] },
  // Bounds the activity that sends the notifications; the wait itself is a durable timer (with.timeout).
  timeout: '1m',
  retry: PEER_RETRY,
  output: ['decision', 'by', 'at', 'comment', 'via', 'verified'],
  onceReading: { reading: 'one decision for the whole result set; the message and the channels render with the first result as `result` (`mode: "each"` asks once per result)' },
  inWorkflow: true,
} as const satisfies ActionPolicy;
