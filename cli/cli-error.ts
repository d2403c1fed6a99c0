// The CLI's own failure: one message, exit code 1, and the checks of numeric and duration flags.
import { parseDuration } from '../dsl';
import { UserError } from '../config/user-error';

/** A failure the CLI reports as one message and exit code 1. */
export class CliError extends UserError {}

/**
 * A whole number flag within bounds: `--limit abc` or `--limit -5` is refused with the flag's name
 * and what to write, rather than reaching a query as NaN or a negative bound.
 */
export function intFlag(flag: string, value: string, bounds: { min: number; max: number }): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) {
    throw new CliError(`${flag} ${JSON.stringify(value)}: write a whole number from ${bounds.min} to ${bounds.max}`);
  }
  return n;
}

/** A point in time from `--since`: a duration back from now (`90s`, `1h`, `2d`) or an ISO 8601 time. */
export function sinceFlag(value: string, now = Date.now()): Date {
  const ms = parseDuration(value);
  if (ms !== undefined && ms > 0) return new Date(now - ms);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(Date.parse(value))) return new Date(value);
  throw new CliError(`--since ${JSON.stringify(value)}: write a duration back from now (e.g. 30m, 1h, 2d) or an ISO 8601 time (e.g. 2026-05-01T08:00:00Z)`);
}
