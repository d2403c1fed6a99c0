// incident.create: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, STORE_RETRY } from '../policy';

/** incident.create's policy. */
export const policy = {
  name: 'incident.create',
  summary: 'Creates an incident in the store (idempotent per run, step and result)',
  connection: 'none',
  rows: 'result',
  timeout: '30s',
  retry: STORE_RETRY,
  local: true,
  output: ['incident_id', 'created', 'index'],
  onceReading: { seed: 'Run Once – creates a single incident even if the search returns multiple results', reading: 'one incident for the whole result set; `result`, `resultFields` and the inventory fields read the first result, `results` holds them all' },
} as const satisfies ActionPolicy;
