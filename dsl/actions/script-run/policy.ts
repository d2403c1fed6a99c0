// script.run: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy } from '../policy';

/** script.run's policy. */
export const policy = {
  name: 'script.run',
  summary: 'Runs a registered or inline script with an interpreter, or a command, in a sandbox; arguments as argv in the order given',
  connection: 'none',
  rows: 'result',
  // Outlives the script's own with.timeout (30s by default), so the sandbox reports the timeout itself.
  timeout: '5m',
  retry: { maxAttempts: 3, initialInterval: '2s', backoff: 2, maxInterval: '30s' },
  // The activity heartbeats every 2s while the script runs; the worker passes heartbeats on at
  // most every 80% of this, so a cancellation reaches the script within about 6s.
  heartbeatTimeout: '8s',
  output: ['exitCode', 'stdout', 'stderr', 'truncated', 'sandboxed', 'host'],
  onceReading: { seed: 'when enabled, the active action is executed once for the entire query result. When disabled, the action will be applied separately to each query result', reading: 'runs the script once; `property` arguments and `result` tokens read the first result, `{{json results}}` passes every result' },
  takesHost: true,
} as const satisfies ActionPolicy;
