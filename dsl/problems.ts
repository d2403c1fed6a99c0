// Problems found in a chain, and what validation knows of the installation: plain types and one error class.
import type { JobGraph } from './job-graph';

/** One problem in a chain, with the path of the field it concerns. */
export interface Problem {
  path: string;
  message: string;
}

/** What validation knows of the installation: the configured connections by name, and the job names. */
export interface ValidationContext {
  connections?: Record<string, { type: string; users?: readonly string[] }>;
  /** Names of the jobs in the jobs directory, for steps that name another job. */
  jobs?: readonly string[];
  /** Which jobs each job of the jobs directory starts, to refuse a chain that can reach itself. */
  jobGraph?: JobGraph;
  /** Destination ports `http.post` may reach; without it the ports are checked only when the step runs. */
  allowedPorts?: readonly number[];
}

/** A chain that did not validate; `problems` lists every problem found. */
export class ChainValidationError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n'));
    this.name = 'ChainValidationError';
  }
}
