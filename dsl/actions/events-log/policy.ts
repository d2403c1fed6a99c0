// events.log: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, STORE_RETRY } from '../policy';

/** events.log's policy. */
export const policy = {
  name: 'events.log',
  summary: 'Appends the results as JSON lines to job_scheduler.log',
  connection: 'none',
  rows: 'results',
  timeout: '30s',
  retry: STORE_RETRY,
  local: true,
  output: ['file', 'lines'],
  onceReading: { reading: 'appends every result, one line each (Smart Monitor has no Run Once switch for event logging: it writes the results of the search)' },
} as const satisfies ActionPolicy;
