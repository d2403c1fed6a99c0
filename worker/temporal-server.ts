// Finds or builds the Temporal CLI, and runs its dev server with riposte's search attributes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../dsl';

/** The Temporal CLI version riposte builds when none is installed. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** No Temporal CLI could be found or built. */
export class TemporalNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalNotFoundError';
  }
}

/** Where riposte keeps what it builds once per machine. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RIPOSTE_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'riposte');
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * The `temporal` executable: RIPOSTE_TEMPORAL_BIN, then PATH, then riposte's cache; otherwise,
 * when `build` is set and Go is installed, builds it once into the cache with `go install`.
 */
export function findTemporal(options: { build?: boolean; log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): string {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  if (env.RIPOSTE_TEMPORAL_BIN) {
    if (fs.existsSync(env.RIPOSTE_TEMPORAL_BIN)) return env.RIPOSTE_TEMPORAL_BIN;
    throw new TemporalNotFoundError(`RIPOSTE_TEMPORAL_BIN=${env.RIPOSTE_TEMPORAL_BIN} does not exist`);
  }
  const found = onPath('temporal', env);
  if (found) return found;
  const binDir = path.join(cacheDir(env), 'bin');
  const cached = path.join(binDir, 'temporal');
  if (fs.existsSync(cached)) return cached;
  const go = onPath('go', env) ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!options.build || !go) {
    throw new TemporalNotFoundError(
      'the Temporal CLI was not found. Install it (https://docs.temporal.io/cli) and put `temporal` on PATH, ' +
        `or set RIPOSTE_TEMPORAL_BIN, or install Go so riposte can build it once (go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}), ` +
        'or set TEMPORAL_ADDRESS to use a running Temporal server.',
    );
  }
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} once into ${binDir} (a few minutes)...`);
  fs.mkdirSync(binDir, { recursive: true });
  const result = spawnSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...env, GOBIN: binDir, GOFLAGS: '-mod=mod', GOTOOLCHAIN: env.GOTOOLCHAIN ?? 'local' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !fs.existsSync(cached)) {
    throw new TemporalNotFoundError(`building the Temporal CLI with Go failed (exit ${result.status}); install the Temporal CLI yourself or set TEMPORAL_ADDRESS`);
  }
  log(`Built ${cached}`);
  return cached;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when a Temporal frontend answers at `address`. */
export async function temporalAnswers(address: string, timeoutMs = 1_500): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** A running dev server. */
export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Stops a child process: SIGTERM, then SIGKILL when it has not exited after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Options for the embedded dev server. */
export interface DevServerOptions {
  /** SQLite file that keeps the server's state; in memory when absent. */
  dbFile?: string;
  port?: number;
  /** UI port; no UI when null. */
  uiPort?: number | null;
  /** `--ui-codec-endpoint` for payload decoding in the UI. */
  codecEndpoint?: string;
  log?: (line: string) => void;
  build?: boolean;
}

const SEARCH_ATTRIBUTE_TYPE_NAMES: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime' };

/**
 * Starts `temporal server start-dev` on 127.0.0.1 with riposte's search attributes registered and
 * the SQLite store tuned for speed (journal_mode=WAL, synchronous=OFF), and waits until it answers.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const bin = findTemporal({ build: options.build ?? true, log: options.log });
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error', '--log-format', 'json'];
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-ip', '127.0.0.1', '--ui-port', String(options.uiPort ?? port + 1000));
  if (options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  for (const key of Object.values(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${key.name}=${SEARCH_ATTRIBUTE_TYPE_NAMES[key.type] ?? 'Keyword'}`);
  // Eager activity dispatch hands the first activity back with the workflow task (about 100 ms less per hop here).
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');

  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!(await temporalAnswers(address))) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited (${child.exitCode}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal dev server did not answer on ${address} within 60 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = () => stopProcess(child, 5_000);
  return { address, uiUrl: options.uiPort === null ? undefined : `http://127.0.0.1:${options.uiPort ?? port + 1000}`, process: child, stop };
}
