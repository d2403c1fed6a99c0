// Copies the log output of each test file into its own file, which the end-of-suite secret scan searches.
//
// Sinks covered, in the test process: writes to process.stdout and process.stderr (riposte's own
// prints), console.* calls (vitest reroutes the console, so they are copied separately), riposte's
// structured log (pino, JSON lines), configured here at debug level so that every event a worker or
// the API writes is searched (written to the terminal too with RIPOSTE_TEST_SHOW_LOGS=1), every
// entry the SDK's logger receives at any level (workflow, activity and worker logs, before the
// level filter drops them; riposte's SDK logger is a DefaultLogger), and what the
// Node child processes tests start with piped stdout/stderr print (the riposte CLI and script
// executors; read from their 'data' events, so output nobody consumes that way is missed).
// Not covered: other children (curl, openssl, and the jailed scripts, whose raw output riposte
// masks before showing it), children with inherited or ignored stdio, spawnSync/execFileSync
// output, and Temporal Core's own logs below WARN (filtered inside the native runtime). The dev
// server's log is written by the global setup.
import { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { DefaultLogger } from '@temporalio/worker';
import { beforeAll, inject } from 'vitest';
import { configureLogging } from '../config/log';

const file = path.join(inject('secretLogDir'), `test-${process.pid}-${crypto.randomUUID()}.log`);

function append(source: string, chunk: unknown): void {
  try {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
    fs.appendFileSync(file, `[${source}] ${text}${text.endsWith('\n') ? '' : '\n'}`);
  } catch {
    /* a lost line must not fail the test that printed it */
  }
}

beforeAll((suite) => append('file', suite.file.filepath));

const showLogs = process.env.RIPOSTE_TEST_SHOW_LOGS === '1';
const terminal = process.stderr.write.bind(process.stderr) as (chunk: string) => boolean;
configureLogging({
  level: 'debug',
  format: 'json',
  destination: {
    isTTY: false,
    write(line: string) {
      append('riposte log', line);
      if (showLogs) terminal(line);
      return true;
    },
  } as unknown as NodeJS.WritableStream,
});

for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    append(name, chunk);
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method].bind(console) as (...args: unknown[]) => void;
  console[method] = (...args: unknown[]) => {
    append(`console.${method}`, format(...args));
    original(...args);
  };
}

const log = DefaultLogger.prototype.log;
DefaultLogger.prototype.log = function (this: DefaultLogger, level, message, meta) {
  append(`sdk ${level}`, meta === undefined ? message : `${message} ${format(meta)}`);
  return log.call(this, level, message, meta);
};

// Every child_process function (spawn, exec, execFile, fork) goes through this method.
const proto = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, options: { file?: string }): unknown };
const spawn = proto.spawn;
proto.spawn = function (this: ChildProcess, options) {
  const result = spawn.call(this, options);
  // Only Node children: the riposte CLI and workers the tests start. What riposte's own children
  // print (a script's raw output, before masking) is the input of a step, not a log line.
  if (options.file !== process.execPath) return result;
  const command = 'riposte cli';
  for (const [name, stream] of [['stdout', this.stdout], ['stderr', this.stderr]] as const) {
    if (!stream) continue;
    // Wrapping emit instead of adding a 'data' listener leaves the stream's flowing mode to the test.
    const emit = stream.emit.bind(stream) as (event: string | symbol, ...args: unknown[]) => boolean;
    stream.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'data') append(`${command} ${name}`, args[0]);
      return emit(event, ...args);
    }) as typeof stream.emit;
  }
  return result;
};
