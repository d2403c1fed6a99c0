// script.run: a registered or inline script, or a command, run in a jail with its arguments as argv.
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { durationMs, type ActionOutputs, type ActionRequest } from '../../dsl';
import { splitCommand } from '../../dsl/actions/script-run';
import type { Config } from '../../worker/config';
import { actionFailure } from '../errors';
import { originOf } from '../deps';
import { SCRIPT_ENV, jailArgs, probeSandbox, runFileName, runInSandbox } from './sandbox';
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

/** What one execution runs, before anything is written: argv, the host files mounted into the jail, and the secrets to mask. */
export interface ScriptPlan {
  argv: string[];
  /** Host files mounted read-only inside the jail: [host path, path in the jail]. */
  files: [string, string][];
  /** An inline script, written to a host file in the jail directory when the execution starts. */
  inline?: { text: string; inside: string };
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
  const args = p.args.map((arg, i) => {
    if (typeof arg === 'string') {
      if (request.secretPaths?.some((path) => path[0] === 'args' && path[1] === i)) secrets.push(arg);
      return arg;
    }
    if ('literal' in arg) return arg.literal;
    if ('secret' in arg) {
      secrets.push(arg.secret);
      return arg.secret;
    }
    const row = request.result ?? {};
    if (!Object.prototype.hasOwnProperty.call(row, arg.property)) {
      throw actionFailure('ActionInputError', `${origin}: with.args[${i}].property: the result has no field "${arg.property}"; fields: ${Object.keys(row).join(', ') || 'none (the run has no results)'}`);
    }
    const value = row[arg.property];
    return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });

  if (p.command !== undefined) {
    if (typeof p.command === 'string') {
      const split = splitCommand(p.command);
      if ('error' in split) throw actionFailure('ActionInputError', `${origin}: with.command: ${split.error}`);
      return { argv: [...split.argv, ...args], files: [], secrets };
    }
    return { argv: [...p.command, ...args], files: [], secrets };
  }
  const interpreter = cfg.interpreters[p.interpreter ?? ''];
  if (!interpreter) {
    throw actionFailure('ActionInputError', `${origin}: with.interpreter: "${p.interpreter}" is not configured; configured: ${Object.keys(cfg.interpreters).join(', ')} (scripts.interpreters in riposte.config.json)`);
  }
  const inside = `/.riposte/${p.script ?? 'inline'}`;
  const argv = [interpreter, inside, ...args];
  if (p.script === undefined) return { argv, files: [], inline: { text: stripCarriageReturns(p.inline ?? ''), inside }, secrets };
  const source = registeredScriptPath(cfg.dir, p.script);
  if (!fs.existsSync(source)) throw actionFailure('ActionInputError', `${origin}: with.script: no script "${p.script}" is registered on this worker (register it with \`riposte script add ${p.script} FILE\`)`);
  return { argv, files: [[source, inside]], secrets };
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

  const plan = planScript(deps, request);
  const { argv, secrets } = plan;
  const files = [...plan.files];
  let inlineFile: string | undefined;
  if (plan.inline) {
    fs.mkdirSync(cfg.jailDir, { recursive: true, mode: 0o700 });
    inlineFile = path.join(cfg.jailDir, `inline-${runFileName()}`);
    fs.writeFileSync(inlineFile, plan.inline.text, { mode: 0o644 });
    files.push([inlineFile, plan.inline.inside]);
  }

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
      bwrap: probe.ok ? probe.bwrap : null,
      // A script can tell a retry from a first try (with retryOnExit) and act accordingly.
      env: { RIPOSTE_ATTEMPT: String(attempt()) },
      signal,
    });
  } catch (err) {
    // Spawn errors carry the argv, which may hold decrypted arguments.
    const code = (err as NodeJS.ErrnoException).code;
    throw actionFailure('ActionInputError', `${origin}: cannot start ${probe.ok ? 'the sandbox' : `"${argv[0]}"`}${code ? ` (${code})` : ''}`);
  } finally {
    if (inlineFile) fs.rmSync(inlineFile, { force: true });
  }
  const what = p.script ? `script "${p.script}"` : p.inline !== undefined ? 'the inline script' : `command "${argv[0]}"`;
  return { ...result, exitCode: result.exitCode ?? 128, sandboxed: probe.ok, what };
}

/** What an execution would run, and in which jail; nothing is written or started. */
export interface ScriptPreview {
  /** The program and its arguments as the script sees them (paths inside the jail). */
  argv: string[];
  /** The whole command the worker starts: bubblewrap with the jail's arguments, then argv; argv alone without a sandbox. */
  command: string[];
  sandboxed: boolean;
  /** The fresh jail directory each execution gets (made and removed per run). */
  jail: string;
  network: boolean;
  /** Host paths visible read-only inside: [host path, path in the jail]. */
  readOnly: [string, string][];
  env: Record<string, string>;
  timeout: string;
  host?: string;
}

/** The argv and jail of an execution, built by {@link planScript} and the sandbox's own jail arguments. */
export function previewScript(deps: ScriptDeps, request: ActionRequest<'script.run'>, host?: string): ScriptPreview {
  const cfg = deps.config.scripts;
  const plan = planScript(deps, request);
  const files: [string, string][] = [...plan.files, ...(plan.inline ? [[path.join(cfg.jailDir, 'inline-<fresh>'), plan.inline.inside] as [string, string]] : [])];
  const jail = path.join(cfg.jailDir, 'run-<fresh>');
  const env = { RIPOSTE_ATTEMPT: '1' };
  const probe = probeSandbox(cfg.bwrap);
  const command = probe.ok ? [probe.bwrap, ...jailArgs(jail, { network: cfg.network, readOnlyPaths: cfg.readOnlyPaths, files, env }), '--', ...plan.argv] : plan.argv;
  return {
    argv: plan.argv,
    command,
    sandboxed: probe.ok,
    jail,
    network: cfg.network,
    readOnly: [['/usr', '/usr'], ...cfg.readOnlyPaths.map((p): [string, string] => [p, p]), ...files],
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
      throw scriptFailure('ScriptExitError', `${origin}: ${what} exited with code ${exitCode}${result.signal ? ` (${result.signal})` : ''}${said ? `: ${said}` : ''}`, p.retryOnExit);
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
