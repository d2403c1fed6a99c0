// risk.assign: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, STORE_RETRY } from '../policy';

/** risk.assign's policy. */
export const policy = {
  name: 'risk.assign',
  summary: 'Records a risk score with result fields and a scoring type in an index',
  connection: 'none',
  rows: 'result',
  timeout: '30s',
  retry: STORE_RETRY,
  local: true,
  output: ['index', 'ids'],
  onceReading: { reading: 'records one score, its fields rendered with the first result (Smart Monitor gives Risk Score Assignment no Run Once switch)' },
} as const satisfies ActionPolicy;
