// Structured logs: one JSON line per event (pino) from the worker, the API and the long-running commands, readable lines on a terminal.
import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { maskKnownSecrets } from './secrets';

/** How log lines are written: JSON lines, or one readable line per event for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** riposte's logger (pino). */
export type { Logger } from 'pino';

/**
 * Fields that may carry a secret or a body, wherever they appear at the top of an event or one level
 * below: replaced by `***` before the line is written. Events name runs, steps and outcomes, never
 * what was sent; this catches what a future event might pass by mistake.
 */
const SECRET_FIELDS = ['password', 'pass', 'token', 'apiKey', 'secret', 'authorization', 'cookie', 'headers', 'body', 'params', 'with', 'result', 'results', 'outputs', 'output', 'query'];
const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)];

/** The fields every event about a step uses, so a SIEM can join them. */
export interface StepFields {
  /** riposte's run id (the Temporal workflow id). */
  runId?: string;
  job?: string;
  step?: string;
  action?: string;
  attempt?: number;
  /** `completed`, or the failure type (`PeerUnavailableError`, ...). */
  outcome?: string;
}

function chooseFormat(format: LogFormat | undefined, destination: { isTTY?: boolean }): LogFormat {
  const wanted = format ?? (process.env.RIPOSTE_LOG_FORMAT as LogFormat | undefined);
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  return destination.isTTY ? 'pretty' : 'json';
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  level?: string;
  /** JSON lines, or readable lines; by default readable when the destination is a terminal (RIPOSTE_LOG_FORMAT overrides). */
  format?: LogFormat;
  /** Where lines go: standard error by default (standard output stays for the commands' own output). */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
  /** The command writing (`dev`, `worker`, `api`), a field of every event. */
  command?: string;
}

/**
 * A pino logger: ISO timestamps, level names, `service: "riposte"`, known secret fields redacted, and
 * every line passed through the worker-wide mask set (every secret this process has resolved becomes
 * `***`), so a message quoting a peer's answer cannot carry a credential out.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const format = chooseFormat(options.format, destination);
  const prettify = format === 'pretty' ? prettyFactory({ colorize: destination.isTTY === true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service,command' }) : undefined;
  // Written synchronously through the stream's own write, so nothing is lost when a command exits.
  const stream: DestinationStream = { write: (line: string) => void destination.write(prettify ? prettify(line) : line) };
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'riposte', pid: process.pid, ...(options.command ? { command: options.command } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '***' },
      serializers: { err: (err: Error) => ({ type: err?.name, message: err?.message }) },
      hooks: { streamWrite: (line) => maskKnownSecrets(line) },
    },
    stream,
  );
}

let current: Logger | undefined;

/**
 * The process's logger. Until a long-running command configures it ({@link configureLogging}),
 * it writes warnings and errors only (RIPOSTE_LOG_LEVEL changes that), so one-shot commands keep
 * printing for people as they do.
 */
export function logger(): Logger {
  current ??= createLogger({ level: process.env.RIPOSTE_LOG_LEVEL?.toLowerCase() ?? 'warn' });
  return current;
}

/** Sets the process's logger (the long-running commands: dev, worker, api). */
export function configureLogging(options: LoggerOptions): Logger {
  current = createLogger(options);
  return current;
}
