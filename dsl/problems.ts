// Problems found in a chain, and what validation knows of the installation: plain types and the one problems error.
import type { ProblemsType } from './failures';
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

/** One line per problem: `path: message`, or the message alone when it has no path. */
export function problemLines(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n');
}

/**
 * The one error for every validation-like refusal: a chain, an event, a request, a hook body, a
 * sensor or rule id that does not validate. `problems` names each by path (the intake API answers
 * them as `400 { problems }`); `type` is its failure type (dsl/failures.ts), also its `name`, which
 * Temporal records as the failure's type.
 */
export class ProblemsError extends Error {
  readonly problems: Problem[];
  readonly type: ProblemsType;
  constructor(problems: Problem[], options: { type?: ProblemsType; message?: string } = {}) {
    super(options.message ?? problemLines(problems));
    this.problems = problems;
    this.type = options.type ?? 'RequestValidationError';
    this.name = this.type;
  }
}

/** A chain that did not validate; `problems` lists every problem found. */
export class ChainValidationError extends ProblemsError {
  constructor(problems: Problem[]) {
    super(problems, { type: 'ChainValidationError' });
  }
}
