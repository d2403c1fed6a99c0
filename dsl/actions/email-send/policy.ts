// email.send: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY } from '../policy';

/** email.send's policy. */
export const policy = {
  name: 'email.send',
  summary: 'Sends an e-mail through an SMTP connection: recipients, subject, body, signature, time, results table, CSV attachment, headers',
  connection: 'required',
  connectionTypes: ['smtp'],
  rows: 'results',
  receivesTrigger: true,
  htmlFields: (params) => (params.html === true ? ['body', 'signature'] : []),
  mergeFields: ['body'],
  timeout: '1m',
  retry: PEER_RETRY,
  output: ['messageId', 'accepted', 'rejected', 'alreadySent'],
  onceReading: { seed: 'runs the active action for all query results collectively; when this parameter is disabled, the active action will be applied to each individual query result', reading: 'one message for all results: the table and the CSV hold every result, and `merge` renders the body once per result into it' },
  // Only the Cloud SIEM summary e-mail is one of the Insight notifications not offered on close.
  onClosedInsight: { field: 'format', equals: 'summary', describe: 'email.send with format summary' },
} as const satisfies ActionPolicy;
