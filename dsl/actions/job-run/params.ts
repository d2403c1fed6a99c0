// Parameters of job.run (Smart Monitor "Run Job": start another job of the jobs directory).
import { z } from 'zod';
import { JOB_NAME_PATTERN } from '../../names';

export { MAX_JOB_DEPTH } from './policy';

/** job.run parameters. */
export const jobRunParams = z
  .object({
    /** The job's name (its chain's `name`) in the jobs directory. */
    job: z.string().regex(JOB_NAME_PATTERN, { message: 'name a job of the jobs directory (its chain "name")' }),
    /** Params for the job's run; they override the job's own params. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Wait for the job's outcome (true), or start it and go on (false). */
    wait: z.boolean().default(true),
    /**
     * Hand the job this step's results: the current result in each mode; in once mode the first
     * result, as Smart Monitor's Run Once ("performed only for the first search result").
     */
    passResults: z.boolean().default(false),
    /** In once mode with passResults, hand the job every result instead of the first. */
    allResults: z.boolean().default(false),
  })
  .strict();

export type JobRunParams = z.infer<typeof jobRunParams>;

/** job.run output. */
export interface JobRunOutput {
  /** The workflow id of the job's run. */
  runId: string;
  /** `completed` when waited for, `running` when started without waiting. */
  status: 'completed' | 'running';
  /** Each step's status in the job's run, when waited for. */
  steps?: Record<string, string>;
}
