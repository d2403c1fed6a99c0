// mitre.risk: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, STORE_RETRY, FIRST_RESULT } from '../policy';

/** mitre.risk's policy. */
export const policy = {
  name: 'mitre.risk',
  summary: 'Records a MITRE ATT&CK risk score for the system and/or user of the result in the risk index',
  connection: 'none',
  rows: 'result',
  timeout: '30s',
  retry: STORE_RETRY,
  local: true,
  output: ['index', 'ids'],
  onceReading: { seed: FIRST_RESULT, reading: 'scores the first result' },
} as const satisfies ActionPolicy;
