// syslog.send: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY } from '../policy';

/** syslog.send's policy. */
export const policy = {
  name: 'syslog.send',
  summary: 'Sends an RFC 5424 syslog message (templated text and structured data) to a syslog connection over UDP, TCP or TLS',
  connection: 'required',
  connectionTypes: ['syslog'],
  rows: 'result',
  timeout: '30s',
  retry: PEER_RETRY,
  output: ['transport', 'octets', 'truncated'],
  onceReading: { reading: 'one message, rendered with the first result as `result` (`mode: "each"` sends one message per result)' },
} as const satisfies ActionPolicy;
