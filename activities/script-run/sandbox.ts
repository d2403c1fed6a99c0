// Runs one program in a bubblewrap jail: its own root, a scrubbed environment, resource limits, a time limit and capped output.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { maskSecrets } from '../shared/secrets';

/** The environment every script gets; nothing of the worker's own environment passes. */
export const SCRIPT_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home', TMPDIR: '/tmp', LANG: 'C.UTF-8' } as const;

/** Whether bubblewrap can sandbox here, and why not when it cannot. */
export type SandboxProbe = { ok: true; bwrap: string; prlimit: string; sizedTmpfs: boolean } | { ok: false; reason: string };

const probes = new Map<string, SandboxProbe>();

function onPath(name: string): string | undefined {
  const fallback = [`/usr/bin/${name}`, `/bin/${name}`].find((f) => fs.existsSync(f));
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const file = path.join(dir || '.', name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return fallback;
}

/** The host user a jail runs as when the worker is root: the kernel exempts root from RLIMIT_NPROC. */
export const JAIL_HOST_USER = { uid: 65534, gid: 65534 } as const;

/**
 * Who starts bubblewrap. A worker running as root starts it as nobody: inside a user namespace the
 * jail's user maps to the user that started bwrap, and for root the kernel ignores the process
 * limit (and a jail escape would be root). Otherwise bwrap runs as the worker's own user.
 */
function jailSpawnUser(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { ...JAIL_HOST_USER } : {};
}

/** Resource limits of a script, from `scripts` in riposte.config.json. */
export interface SandboxLimits {
  /** Processes and threads the script may have at once (RLIMIT_NPROC, counted in the jail's own user namespace). */
  maxProcesses: number;
  /** Address space of each process, in MiB (RLIMIT_AS). */
  memoryMb: number;
  /** CPU time of each process, in seconds (RLIMIT_CPU): SIGXCPU at the limit, SIGKILL a second later. */
  cpuSeconds: number;
  /** Size of the jail's own files (its root, /tmp and /home are one tmpfs), in MiB. */
  jailMb: number;
}

/** Limits used when nothing is configured (the probe runs with them). */
export const DEFAULT_LIMITS: SandboxLimits = { maxProcesses: 64, memoryMb: 1024, cpuSeconds: 60, jailMb: 256 };

/** prlimit arguments that set soft and hard limits for the program and everything it starts. */
export function prlimitArgs(prlimit: string, limits: SandboxLimits, processes: boolean): string[] {
  return [
    prlimit,
    ...(processes ? [`--nproc=${limits.maxProcesses}`] : []),
    `--as=${limits.memoryMb * 1_048_576}`,
    // The soft limit sends SIGXCPU, which says why the script stopped; the hard one a second later kills it.
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    '--core=0',
    '--',
  ];
}

/**
 * Finds bubblewrap and prlimit and checks, once per process, that they can build a limited jail
 * in this kernel/container. prlimit runs inside the jail, so it must live under /usr.
 */
export function probeSandbox(configured?: string): SandboxProbe {
  const key = configured ?? '';
  const known = probes.get(key);
  if (known) return known;
  const bwrap = configured ?? onPath('bwrap');
  const prlimit = findPrlimit();
  let probe: SandboxProbe;
  if (!bwrap || !fs.existsSync(bwrap)) {
    probe = { ok: false, reason: 'bubblewrap (bwrap) is not installed; install the Debian/Ubuntu package "bubblewrap" (apt-get install bubblewrap) or set scripts.bwrap' };
  } else if (!prlimit || !prlimit.startsWith('/usr/')) {
    probe = { ok: false, reason: 'prlimit is not installed under /usr (it sets the process, memory and CPU limits inside the jail); install util-linux' };
  } else {
    const attempt = (jailMb: number | null) =>
      spawnSync(bwrap, [...jailArgs({ network: false, readOnlyPaths: [], jailMb }), '--', ...prlimitArgs(prlimit, DEFAULT_LIMITS, true), '/usr/bin/true'], {
        encoding: 'utf8',
        timeout: 10_000,
        cwd: '/',
        ...jailSpawnUser(),
      });
    // bubblewrap before 0.8, or installed setuid, has no --size: the jail's tmpfs is then unsized.
    let result = attempt(DEFAULT_LIMITS.jailMb);
    let sizedTmpfs = true;
    if (result.status !== 0 && /--size/.test(result.stderr ?? '')) {
      result = attempt(null);
      sizedTmpfs = false;
    }
    probe =
      result.status === 0
        ? { ok: true, bwrap, prlimit, sizedTmpfs }
        : { ok: false, reason: `${bwrap} cannot build a jail here (${(result.stderr || result.error?.message || `exit ${result.status}`).trim()}); user namespaces may be disabled` };
  }
  probes.set(key, probe);
  return probe;
}

/** prlimit as installed (its real path), or undefined. */
export function findPrlimit(): string | undefined {
  const found = onPath('prlimit');
  return found ? fs.realpathSync(found) : undefined;
}

/** A file placed read-only in the jail: its content is handed to bwrap through a pipe, no host path is mounted. */
export interface JailFile {
  /** Where the program sees it, e.g. /.riposte/report.py. */
  inside: string;
  content: Buffer;
}

/** What is visible in the jail besides /usr. */
export interface JailOptions {
  network: boolean;
  readOnlyPaths: readonly string[];
  /** Size of the jail's tmpfs, or null where bubblewrap cannot size it. */
  jailMb: number | null;
  /** Paths in the jail of files whose content bwrap reads from fds 3, 4, ... in this order. */
  files?: readonly string[];
  /** Variables set besides {@link SCRIPT_ENV}; never secrets. */
  env?: Readonly<Record<string, string>>;
}

/**
 * bwrap arguments for a fresh jail: `/` is a tmpfs of `jailMb` (the jail's only writable place,
 * gone with the program), /usr and the given paths are read-only, /proc and /dev are private,
 * every namespace is new (no network unless asked), the user is nobody with no capabilities, and
 * the program dies with the worker. No host directory is mounted writable, so nothing is left behind.
 */
export function jailArgs(options: JailOptions): string[] {
  const args = [
    '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--uid', '65534', '--gid', '65534',
    ...(options.jailMb === null ? [] : ['--size', String(options.jailMb * 1_048_576)]),
    '--tmpfs', '/',
    '--dir', '/tmp', '--dir', '/home',
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
  (options.files ?? []).forEach((inside, i) => args.push('--perms', '0444', '--ro-bind-data', String(3 + i), inside));
  args.push('--chdir', '/', '--clearenv');
  for (const [k, v] of Object.entries({ ...SCRIPT_ENV, ...options.env })) args.push('--setenv', k, v);
  return args;
}

/** One program to run in a fresh jail. */
export interface SandboxRequest {
  /** argv; the program and script paths are paths inside the jail. */
  argv: string[];
  /** Files placed read-only in the jail (the script to run). */
  files: JailFile[];
  /** Parent of the per-run directories of unsandboxed runs. */
  jailRoot: string;
  timeoutMs: number;
  outputLimit: number;
  /** Values replaced by `***` in stdout and stderr. */
  secrets: readonly string[];
  network: boolean;
  readOnlyPaths: readonly string[];
  limits: SandboxLimits;
  /** Variables set besides {@link SCRIPT_ENV} (the attempt number); never secrets. */
  env?: Readonly<Record<string, string>>;
  /** The bubblewrap and prlimit executables as the probe found them, or null to run without a sandbox (configuration allowed it). */
  sandbox: { bwrap: string; prlimit: string; sizedTmpfs: boolean } | null;
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

interface Launch {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  user: { uid?: number; gid?: number };
  /** Contents written to fds 3, 4, ... of the child. */
  pipes: Buffer[];
  /** A host directory to remove afterwards (unsandboxed runs only). */
  cleanup?: string;
}

function sandboxed(request: SandboxRequest, sandbox: NonNullable<SandboxRequest['sandbox']>): Launch {
  const jailMb = sandbox.sizedTmpfs ? request.limits.jailMb : null;
  const jail = jailArgs({ network: request.network, readOnlyPaths: request.readOnlyPaths, jailMb, files: request.files.map((f) => f.inside), env: request.env });
  return {
    file: sandbox.bwrap,
    args: [...jail, '--', ...prlimitArgs(sandbox.prlimit, request.limits, true), ...request.argv],
    env: {},
    cwd: '/',
    user: jailSpawnUser(),
    pipes: request.files.map((f) => f.content),
  };
}

/**
 * Without bubblewrap: the jail is only a working directory and HOME, the environment is still
 * scrubbed, and memory and CPU are limited when prlimit is there. The process limit is not set:
 * outside a user namespace it would count every process of the worker's user.
 */
function unsandboxed(request: SandboxRequest): Launch {
  fs.mkdirSync(request.jailRoot, { recursive: true, mode: 0o700 });
  const jail = fs.mkdtempSync(path.join(request.jailRoot, 'run-'));
  for (const dir of ['home', 'tmp', '.riposte']) fs.mkdirSync(path.join(jail, dir));
  const hostPath = new Map<string, string>();
  for (const f of request.files) {
    const file = path.join(jail, '.riposte', path.basename(f.inside));
    fs.writeFileSync(file, f.content, { mode: 0o444 });
    hostPath.set(f.inside, file);
  }
  const argv = request.argv.map((a) => hostPath.get(a) ?? a);
  const prlimit = findPrlimit();
  const env = { ...SCRIPT_ENV, ...request.env, HOME: path.join(jail, 'home'), TMPDIR: path.join(jail, 'tmp') };
  const [file, ...args] = prlimit ? [...prlimitArgs(prlimit, request.limits, false), ...argv] : argv;
  return { file, args, env, cwd: jail, user: {}, pipes: [], cleanup: jail };
}

/**
 * Runs the program in a fresh jail under its limits. On timeout or abort the whole process group
 * is killed (and with bubblewrap, its PID namespace with it).
 */
export async function runInSandbox(request: SandboxRequest): Promise<SandboxResult> {
  const longest = Math.max(0, ...request.secrets.map((s) => Buffer.byteLength(s)));
  const stdout = new CappedText(request.outputLimit + longest);
  const stderr = new CappedText(request.outputLimit + longest);
  const launch = request.sandbox ? sandboxed(request, request.sandbox) : unsandboxed(request);
  try {
    const child = spawn(launch.file, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe', ...launch.pipes.map(() => 'pipe' as const)],
      detached: true,
      ...launch.user,
    });
    child.stdout!.on('data', (c: Buffer) => stdout.add(c));
    child.stderr!.on('data', (c: Buffer) => stderr.add(c));
    launch.pipes.forEach((content, i) => {
      const pipe = child.stdio[3 + i] as NodeJS.WritableStream & { on(event: 'error', fn: () => void): void };
      // A child that dies before reading its files closes the pipe; its exit says why.
      pipe.on('error', () => undefined);
      pipe.end(content);
    });
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
    if (launch.cleanup) fs.rmSync(launch.cleanup, { recursive: true, force: true });
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

/** 128 + SIGXCPU: how bwrap (and a shell) report a program stopped at its CPU-time limit. */
const EXIT_SIGXCPU = 128 + os.constants.signals.SIGXCPU;

/**
 * Says which limit most likely stopped a script that failed, from its exit status and what it
 * printed (a process or memory limit shows only as a failed fork or allocation), or undefined.
 */
export function limitReached(exitCode: number | null, signal: NodeJS.Signals | null, stderr: string, limits: SandboxLimits): string | undefined {
  if (exitCode === EXIT_SIGXCPU || signal === 'SIGXCPU') return `it used up its CPU-time limit of ${limits.cpuSeconds} s (scripts.cpuSeconds)`;
  if (/Resource temporarily unavailable|fork: retry|Cannot fork|EAGAIN/i.test(stderr)) return `it reached its limit of ${limits.maxProcesses} processes (scripts.maxProcesses)`;
  if (/MemoryError|Cannot allocate memory|cannot allocate|Out of memory|bad_alloc|ENOMEM/i.test(stderr)) return `it reached its memory limit of ${limits.memoryMb} MiB per process (scripts.memoryMb)`;
  return undefined;
}
