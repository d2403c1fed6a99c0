// Runs one program in a bubblewrap jail: its own root, a scrubbed environment, a time limit and capped output.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { maskSecrets } from '../secrets';

/** The environment every script gets; nothing of the worker's own environment passes. */
export const SCRIPT_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home', TMPDIR: '/tmp', LANG: 'C.UTF-8' } as const;

/** Whether bubblewrap can sandbox here, and why not when it cannot. */
export type SandboxProbe = { ok: true; bwrap: string } | { ok: false; reason: string };

const probes = new Map<string, SandboxProbe>();

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const file = path.join(dir || '.', name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return ['/usr/bin/bwrap', '/bin/bwrap'].find((f) => fs.existsSync(f));
}

/** Finds bubblewrap and checks, once per process, that it can build a jail in this kernel/container. */
export function probeSandbox(configured?: string): SandboxProbe {
  const key = configured ?? '';
  const known = probes.get(key);
  if (known) return known;
  const bwrap = configured ?? onPath('bwrap');
  let probe: SandboxProbe;
  if (!bwrap || !fs.existsSync(bwrap)) {
    probe = { ok: false, reason: 'bubblewrap (bwrap) is not installed; install the Debian/Ubuntu package "bubblewrap" (apt-get install bubblewrap) or set scripts.bwrap' };
  } else {
    const jail = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-probe-'));
    const result = spawnSync(bwrap, [...jailArgs(jail, { network: false, readOnlyPaths: [] }), '--', '/usr/bin/true'], { encoding: 'utf8', timeout: 10_000 });
    fs.rmSync(jail, { recursive: true, force: true });
    probe =
      result.status === 0
        ? { ok: true, bwrap }
        : { ok: false, reason: `${bwrap} cannot build a jail here (${(result.stderr || result.error?.message || `exit ${result.status}`).trim()}); user namespaces may be disabled` };
  }
  probes.set(key, probe);
  return probe;
}

/** Where the jail's own directories live and what else is visible in it. */
export interface JailOptions {
  network: boolean;
  readOnlyPaths: readonly string[];
  /** Host files mounted read-only inside: [host path, path in the jail]. */
  files?: readonly [string, string][];
  /** Variables set besides {@link SCRIPT_ENV}; never secrets. */
  env?: Readonly<Record<string, string>>;
}

/**
 * bwrap arguments for a jail rooted at `jail`: the jail is `/` and writable, /usr and the given
 * paths are read-only, /proc and /dev are private, every namespace is new (no network unless
 * asked), the user is nobody with no capabilities, and the program dies with the worker.
 */
export function jailArgs(jail: string, options: JailOptions): string[] {
  const args = [
    '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--uid', '65534', '--gid', '65534',
    '--bind', jail, '/',
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/sbin', '/sbin', '--symlink', 'usr/lib', '/lib',
    '--proc', '/proc', '--dev', '/dev',
  ];
  if (fs.existsSync('/usr/lib64')) args.push('--symlink', 'usr/lib64', '/lib64');
  if (options.network) {
    args.push('--share-net');
    for (const f of ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/ssl', '/etc/ca-certificates']) args.push('--ro-bind-try', f, f);
  }
  for (const p of options.readOnlyPaths) args.push('--ro-bind', p, p);
  for (const [host, inside] of options.files ?? []) args.push('--ro-bind', host, inside);
  args.push('--chdir', '/', '--clearenv');
  for (const [k, v] of Object.entries({ ...SCRIPT_ENV, ...options.env })) args.push('--setenv', k, v);
  return args;
}

/** One program to run in a fresh jail. */
export interface SandboxRequest {
  /** argv; the program and script paths are paths inside the jail. */
  argv: string[];
  /** Host files mounted read-only in the jail: [host path, path in the jail]. */
  files: [string, string][];
  /** Parent of the per-run jail directories. */
  jailRoot: string;
  timeoutMs: number;
  outputLimit: number;
  /** Values replaced by `***` in stdout and stderr. */
  secrets: readonly string[];
  network: boolean;
  readOnlyPaths: readonly string[];
  /** Variables set besides {@link SCRIPT_ENV} (the attempt number); never secrets. */
  env?: Readonly<Record<string, string>>;
  /** The bubblewrap executable, or null to run without a sandbox (configuration allowed it). */
  bwrap: string | null;
  /** Aborting it kills the program with its process group, as a timeout does (the activity was cancelled). */
  signal?: AbortSignal;
}

/** What a sandboxed run produced. */
export interface SandboxResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The program was killed because {@link SandboxRequest.signal} aborted. */
  aborted: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** Collects a stream up to a limit, keeping some extra bytes so a secret cut at the limit is still masked. */
class CappedText {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly keep: number) {}
  add(chunk: Buffer): void {
    if (this.size >= this.keep) {
      this.truncated = true;
      return;
    }
    const room = this.keep - this.size;
    if (chunk.length > room) this.truncated = true;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.size += part.length;
  }
  text(limit: number, secrets: readonly string[]): { text: string; cut: boolean } {
    const masked = maskSecrets(Buffer.concat(this.chunks).toString('utf8'), secrets);
    const bytes = Buffer.from(masked, 'utf8');
    if (bytes.length <= limit) return { text: masked, cut: this.truncated };
    return { text: bytes.subarray(0, limit).toString('utf8'), cut: true };
  }
}

/**
 * Runs the program in a new jail directory under `jailRoot` and removes the jail afterwards. On
 * timeout or abort the whole process group is killed (and with bubblewrap, its PID namespace with it).
 */
export async function runInSandbox(request: SandboxRequest): Promise<SandboxResult> {
  fs.mkdirSync(request.jailRoot, { recursive: true, mode: 0o700 });
  const jail = fs.mkdtempSync(path.join(request.jailRoot, 'run-'));
  for (const dir of ['home', 'tmp']) fs.mkdirSync(path.join(jail, dir));
  const longest = Math.max(0, ...request.secrets.map((s) => Buffer.byteLength(s)));
  const stdout = new CappedText(request.outputLimit + longest);
  const stderr = new CappedText(request.outputLimit + longest);
  try {
    const [file, args, env, cwd] = request.bwrap
      ? [request.bwrap, [...jailArgs(jail, { network: request.network, readOnlyPaths: request.readOnlyPaths, files: request.files, env: request.env }), '--', ...request.argv], {}, undefined]
      : unsandboxed(jail, request);
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', (c: Buffer) => stdout.add(c));
    child.stderr.on('data', (c: Buffer) => stderr.add(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, request.timeoutMs);
    let aborted = false;
    const abort = () => {
      aborted = true;
      killGroup(child.pid);
    };
    if (request.signal?.aborted) abort();
    else request.signal?.addEventListener('abort', abort, { once: true });
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve({ code: c, signal: s }));
    }).finally(() => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', abort);
    });
    // Whatever the program left behind in its group goes too.
    killGroup(child.pid);
    const out = stdout.text(request.outputLimit, request.secrets);
    const err = stderr.text(request.outputLimit, request.secrets);
    return { exitCode: code, signal, timedOut, aborted, stdout: out.text, stderr: err.text, truncated: out.cut || err.cut };
  } finally {
    fs.rmSync(jail, { recursive: true, force: true });
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Without bubblewrap: the jail is only the working directory and HOME, and the environment is still scrubbed. */
function unsandboxed(jail: string, request: SandboxRequest): [string, string[], NodeJS.ProcessEnv, string] {
  const argv = request.argv.map((a) => request.files.find(([, inside]) => inside === a)?.[0] ?? a);
  const env = { ...SCRIPT_ENV, ...request.env, HOME: path.join(jail, 'home'), TMPDIR: path.join(jail, 'tmp') };
  return [argv[0], argv.slice(1), env, jail];
}

/** A name for a file written for one run, outside every jail. */
export function runFileName(): string {
  return crypto.randomUUID();
}
