// job.run: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, FIRST_RESULT } from '../policy';

/** job.run's policy. */
export const policy = {
  name: 'job.run',
  summary: 'Starts another job of the jobs directory as a child run, waiting for its outcome or not',
  connection: 'none',
  rows: 'result',
  // The job's own steps carry their retries; the timeout bounds a waited-for run.
  timeout: '1h',
  retry: { maxAttempts: 1, initialInterval: '1s', backoff: 2, maxInterval: '1m' },
  output: ['runId', 'status', 'steps'],
  onceReading: { seed: FIRST_RESULT, reading: 'starts the job once; with `passResults` it is handed the first result (`allResults: true` hands it every result)' },
  inWorkflow: true,
} as const satisfies ActionPolicy;

/** How deep job.run may nest: guards what validation cannot see, such as job names built from tokens. */
export const MAX_JOB_DEPTH = 8;
