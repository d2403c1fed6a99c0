// mitre.tag: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, STORE_RETRY, FIRST_RESULT } from '../policy';

/** mitre.tag's policy. */
export const policy = {
  name: 'mitre.tag',
  summary: 'Tags the result with MITRE ATT&CK techniques in the mitre index, carrying the incident_id',
  connection: 'none',
  rows: 'result',
  inheritsIncident: true,
  timeout: '30s',
  retry: STORE_RETRY,
  local: true,
  output: ['index', 'ids', 'incident_id'],
  onceReading: { seed: FIRST_RESULT, reading: 'tags the first result: one document per technique' },
} as const satisfies ActionPolicy;
