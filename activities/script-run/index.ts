// script.run: a registered or inline script, or a command, run in a jail with its arguments as argv.
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { durationMs, type ActionOutputs, type ActionRequest } from '../../dsl';
import { splitCommand } from '../../dsl/actions/script-run';
import type { Config } from '../../config/config';
import { actionFailure } from '../shared/errors';
import { originOf } from '../shared/deps';
import { SCRIPT_ENV, findPrlimit, jailArgs, limitReached, prlimitArgs, probeSandbox, runInSandbox, type JailFile, type SandboxLimits } from './sandbox';
import { registeredScriptPath, stripCarriageReturns } from './registry';

export { registerScript, registeredScriptPath, stripCarriageReturns } from './registry';
export { probeSandbox } from './sandbox';

/**
 * Failure types of script.run, named for what the user can do:
 * - ScriptExitError: the script ran and exited non-zero; fix the script or its input. Retried only with `retryOnExit`.
 * - ScriptTimeoutError: the script outran `with.timeout` and was killed with its process group. Retried only with `retryOnExit`.
 * - SandboxUnavailableError: no working sandbox and unsandboxed runs are not allowed; install bubblewrap. Not retried.
 */
export type ScriptFailureType = 'ScriptExitError' | 'ScriptTimeoutError' | 'SandboxUnavailableError';

/** How often a running script's activity heartbeats, so a cancellation reaches it within seconds. */
const HEARTBEAT_MS = 2_000;

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

function scriptFailure(type: ScriptFailureType, message: string, retryable: boolean): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: !retryable });
}

/** The tail of a text, for failure messages. */
function tail(text: string, max = 500): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

/** The resource limits configured for scripts. */
export function limitsOf(cfg: Config['scripts']): SandboxLimits {
  return { maxProcesses: cfg.maxProcesses, memoryMb: cfg.memoryMb, cpuSeconds: cfg.cpuSeconds, jailMb: cfg.jailMb };
}

/** What the activity needs from the worker: the scripts configuration and, for remote executors, the host name. */
export interface ScriptDeps {
  config: Pick<Config, 'scripts'>;
  /** The executor host this worker serves (`riposte worker --host NAME`). */
  host?: string;
}

/** What one execution produced, before the exit code is judged. */
export interface ScriptExecution {
  exitCode: number;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
  sandboxed: boolean;
  /** "script \"name\"", "the inline script" or "command \"prog\"", for messages. */
  what: string;
}

/** What one execution runs, before anything is started: argv, the files placed in the jail, and the secrets to mask. */
export interface ScriptPlan {
  argv: string[];
  /** Files placed read-only in the jail (the script), each with where its content comes from. */
  files: (JailFile & { from: string })[];
  secrets: string[];
}

/**
 * Resolves the arguments and finds the interpreter and script: the step runs the plan, the dry
 * run shows it. Only decrypted arguments are secret. Throws for bad input.
 */
export function planScript(deps: ScriptDeps, request: Pick<ActionRequest<'script.run'>, 'params' | 'result' | 'stepId' | 'action' | 'secretPaths'>): ScriptPlan {
  const origin = originOf(request);
  const p = request.params;
  const cfg = deps.config.scripts;

  // Secret arguments were resolved by the trust rule (only where the chain wrote them literally); they are masked in what the script prints.
  const secrets: string[] = [];
  /** A value a token or a result wrote: data, never an option unless the step allows options. */
  const data = (value: string, where: string): string => {
    if (value.includes('\u0000')) throw actionFailure('ActionInputError', `${origin}: ${where}: the value holds a NUL character, which no program argument can carry`);
    if (value.startsWith('-') && !p.allowOptionArguments) {
      throw actionFailure(
        'ActionInputError',
        `${origin}: ${where}: the value ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} comes from a token or result and starts with "-", so the program would read it as an option; riposte refuses it. Set "allowOptionArguments": true on the step if it passes options from data on purpose`,
      );
    }
    return value;
  };
  const args = p.args.map((arg, i) => {
    if (typeof arg === 'string') {
      if (request.secretPaths?.some((path) => path[0] === 'args' && path[1] === i)) secrets.push(arg);
      return arg;
    }
    if ('literal' in arg) return arg.literal;
    if ('fromToken' in arg) return data(arg.fromToken, `with.args[${i}]`);
    if ('secret' in arg) {
      secrets.push(arg.secret);
      return arg.secret;
    }
    const row = request.result ?? {};
    if (!Object.prototype.hasOwnProperty.call(row, arg.property)) {
      throw actionFailure('ActionInputError', `${origin}: with.args[${i}].property: the result has no field "${arg.property}"; fields: ${Object.keys(row).join(', ') || 'none (the run has no results)'}`);
    }
    const value = row[arg.property];
    return data(value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value), `with.args[${i}].property`);
  });

  const nulCheck = (argv: string[]): string[] => {
    const nul = argv.findIndex((a) => a.includes('\u0000'));
    if (nul >= 0) throw actionFailure('ActionInputError', `${origin}: argument ${nul} of the program holds a NUL character, which no program argument can carry`);
    return argv;
  };
  if (p.command !== undefined) {
    if (typeof p.command === 'string') {
      // Only literal text arrives as a string: a command with tokens was split into words before rendering.
      const split = splitCommand(p.command);
      if ('error' in split) throw actionFailure('ActionInputError', `${origin}: with.command: ${split.error}`);
      return { argv: nulCheck([...split.argv, ...args]), files: [], secrets };
    }
    const words = p.command.map((w, i) => (typeof w === 'string' ? w : i === 0 ? '' : data(w.fromToken, `with.command[${i}]`)));
    if (words[0] === '') throw actionFailure('ActionInputError', `${origin}: with.command[0]: the program (the first word) chooses what runs, so it must be written out`);
    return { argv: nulCheck([...words, ...args]), files: [], secrets };
  }
  const interpreter = cfg.interpreters[p.interpreter ?? ''];
  if (!interpreter) {
    throw actionFailure('ActionInputError', `${origin}: with.interpreter: "${p.interpreter}" is not configured; configured: ${Object.keys(cfg.interpreters).join(', ')} (scripts.interpreters in riposte.config.json)`);
  }
  const inside = `/.riposte/${p.script ?? 'inline'}`;
  const argv = nulCheck([interpreter, inside, ...args]);
  if (p.script === undefined) return { argv, files: [{ inside, content: Buffer.from(stripCarriageReturns(p.inline ?? ''), 'utf8'), from: 'the inline script' }], secrets };
  const source = registeredScriptPath(cfg.dir, p.script);
  if (!fs.existsSync(source)) throw actionFailure('ActionInputError', `${origin}: with.script: no script "${p.script}" is registered on this worker (register it with \`riposte script add ${p.script} FILE\`)`);
  return { argv, files: [{ inside, content: fs.readFileSync(source), from: source }], secrets };
}

/**
 * Runs the {@link planScript} plan in a fresh jail. Throws for bad input and a missing sandbox,
 * not for a non-zero exit. Aborting `signal` kills the script with its process group.
 */
export async function executeScript(
  deps: ScriptDeps,
  request: Pick<ActionRequest<'script.run'>, 'params' | 'result' | 'stepId' | 'action' | 'secretPaths'>,
  signal?: AbortSignal,
): Promise<ScriptExecution & { aborted: boolean }> {
  const origin = originOf(request);
  const p = request.params;
  const cfg = deps.config.scripts;

  const probe = probeSandbox(cfg.bwrap);
  if (!probe.ok && !cfg.allowUnsandboxed) {
    throw scriptFailure('SandboxUnavailableError', `${origin}: refusing to run a script without a sandbox: ${probe.reason}. To run unsandboxed anyway, set scripts.allowUnsandboxed: true in riposte.config.json`, false);
  }

  const { argv, files, secrets } = planScript(deps, request);
  const timeoutMs = durationMs(p.timeout);
  let result;
  try {
    result = await runInSandbox({
      argv,
      files,
      jailRoot: cfg.jailDir,
      timeoutMs,
      outputLimit: cfg.outputLimit,
      secrets,
      network: cfg.network,
      readOnlyPaths: cfg.readOnlyPaths,
      limits: limitsOf(cfg),
      sandbox: probe.ok ? { bwrap: probe.bwrap, prlimit: probe.prlimit, sizedTmpfs: probe.sizedTmpfs } : null,
      // A script can tell a retry from a first try (with retryOnExit) and act accordingly.
      env: { RIPOSTE_ATTEMPT: String(attempt()) },
      signal,
    });
  } catch (err) {
    // Spawn errors carry the argv, which may hold decrypted arguments.
    const code = (err as NodeJS.ErrnoException).code;
    throw actionFailure('ActionInputError', `${origin}: cannot start ${probe.ok ? 'the sandbox' : `"${argv[0]}"`}${code ? ` (${code})` : ''}`);
  }
  const what = p.script ? `script "${p.script}"` : p.inline !== undefined ? 'the inline script' : `command "${argv[0]}"`;
  return { ...result, exitCode: result.exitCode ?? 128, sandboxed: probe.ok, what };
}

/** What an execution would run, and in which jail; nothing is written or started. */
export interface ScriptPreview {
  /** The program and its arguments as the script sees them (paths inside the jail). */
  argv: string[];
  /** The whole command the worker starts: bubblewrap with the jail's arguments and prlimit, then argv; without a sandbox, prlimit (when installed) and argv. */
  command: string[];
  sandboxed: boolean;
  /** The fresh jail each execution gets: an in-memory root with a sandbox, a directory made and removed per run without one. */
  jail: string;
  network: boolean;
  /** What is visible read-only inside: [host path or source, path in the jail]. */
  readOnly: [string, string][];
  /** The process, memory and CPU-time limits the script runs under. */
  limits: SandboxLimits;
  env: Record<string, string>;
  timeout: string;
  host?: string;
}

/** The argv and jail of an execution, built by {@link planScript} and the sandbox's own jail and limit arguments. */
export function previewScript(deps: ScriptDeps, request: ActionRequest<'script.run'>, host?: string): ScriptPreview {
  const cfg = deps.config.scripts;
  const plan = planScript(deps, request);
  const env = { RIPOSTE_ATTEMPT: '1' };
  const limits = limitsOf(cfg);
  const probe = probeSandbox(cfg.bwrap);
  const jailMb = probe.ok && probe.sizedTmpfs ? limits.jailMb : null;
  const jail = probe.ok
    ? `an in-memory root (tmpfs${jailMb === null ? '' : ` of ${jailMb} MiB`}) holding /, /tmp and /home`
    : path.join(cfg.jailDir, 'run-<fresh>');
  let command: string[];
  if (probe.ok) {
    command = [probe.bwrap, ...jailArgs({ network: cfg.network, readOnlyPaths: cfg.readOnlyPaths, jailMb, files: plan.files.map((f) => f.inside), env }), '--', ...prlimitArgs(probe.prlimit, limits, true), ...plan.argv];
  } else {
    // Without a sandbox the script is a file in the run's directory, and prlimit sets no process limit.
    const hostPath = new Map(plan.files.map((f) => [f.inside, path.join(jail, '.riposte', path.basename(f.inside))]));
    const prlimit = findPrlimit();
    command = [...(prlimit ? prlimitArgs(prlimit, limits, false) : []), ...plan.argv.map((a) => hostPath.get(a) ?? a)];
  }
  return {
    argv: plan.argv,
    command,
    sandboxed: probe.ok,
    jail,
    network: cfg.network,
    readOnly: [['/usr', '/usr'], ...cfg.readOnlyPaths.map((p): [string, string] => [p, p]), ...plan.files.map((f): [string, string] => [f.from, f.inside])],
    limits,
    env: { ...SCRIPT_ENV, ...env },
    timeout: request.params.timeout,
    ...(host ? { host } : {}),
  };
}

/** Runs the script; a non-zero exit or a timeout fails the step, retried only with `retryOnExit`. */
export function runScriptAction(deps: ScriptDeps) {
  return async function runScript(request: ActionRequest<'script.run'>): Promise<ActionOutputs['script.run']> {
    const origin = originOf(request);
    const p = request.params;
    const context = Context.current();
    // Cancellations reach an activity only through its heartbeats; a cancelled run (or a step
    // that outran its start-to-close timeout, so a retry may start) must not leave the script running.
    const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
    let result;
    try {
      context.heartbeat();
      result = await executeScript(deps, request, context.cancellationSignal);
    } finally {
      clearInterval(beat);
    }
    if (result.aborted) throw context.cancellationSignal.reason ?? new CancelledFailure(`${origin}: cancelled`);
    const what = result.what;
    if (result.timedOut) {
      throw scriptFailure('ScriptTimeoutError', `${origin}: ${what} ran longer than ${p.timeout} and was killed with its process group${result.stderr ? `; stderr: ${tail(result.stderr)}` : ''}`, p.retryOnExit);
    }
    const exitCode = result.exitCode;
    if (exitCode !== 0) {
      const said = tail(result.stderr) || tail(result.stdout);
      const limit = limitReached(exitCode, result.signal, result.stderr, limitsOf(deps.config.scripts));
      throw scriptFailure('ScriptExitError', `${origin}: ${what} exited with code ${exitCode}${result.signal ? ` (${result.signal})` : ''}${limit ? `: ${limit}` : ''}${said ? `: ${said}` : ''}`, p.retryOnExit);
    }
    return {
      exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      truncated: result.truncated,
      sandboxed: result.sandboxed,
      ...(deps.host ? { host: deps.host } : {}),
    };
  };
}
