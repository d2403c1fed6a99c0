// events.index: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, STORE_RETRY, FIRST_RESULT } from '../policy';

/** events.index's policy. */
export const policy = {
  name: 'events.index',
  summary: 'Writes the result to an index; with update, merges its fields into one document instead of adding new ones',
  connection: 'none',
  rows: 'result',
  timeout: '30s',
  retry: STORE_RETRY,
  local: true,
  output: ['index', 'ids'],
  onceReading: { seed: FIRST_RESULT, reading: 'indexes the first result (with `update`, merges it into the one document)' },
} as const satisfies ActionPolicy;
