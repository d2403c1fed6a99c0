// `riposte script add|test`: registering scripts and running one with sample arguments before a chain uses it.
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { scriptRunParams } from '../dsl/actions/script-run';
import { executeScript, registerScript } from '../activities';
import type { Config } from '../config/config';

const BY_EXTENSION: Record<string, string> = { '.sh': 'bash', '.bash': 'bash', '.py': 'python3', '.pl': 'perl' };

/** The interpreter a script names by its extension or its `#!` line, if any of the configured ones. */
export function guessInterpreter(config: Config, name: string, text: string): string | undefined {
  const byExt = BY_EXTENSION[path.extname(name)];
  if (byExt && config.scripts.interpreters[byExt]) return byExt;
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
  if (!shebang) return undefined;
  const program = path.basename(shebang[1]) === 'env' ? shebang[2] : path.basename(shebang[1]);
  return program && config.scripts.interpreters[program] ? program : undefined;
}

/** Copies a script into the scripts directory, CRs stripped. */
export function addScript(config: Config, name: string, file: string): string {
  const done = registerScript(config.scripts.dir, name, file);
  return `registered ${name} at ${done.path}${done.strippedCr > 0 ? ` (${done.strippedCr} CR character${done.strippedCr === 1 ? '' : 's'} removed)` : ''}`;
}

/** The outcome of a test execution, as `riposte script test --json` prints it. */
export interface ScriptTestReport {
  script: string;
  interpreter: string;
  exitCode: number | null;
  timedOut: boolean;
  sandboxed: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
  error?: string;
}

/** Runs a registered script in the sandbox with sample arguments; a non-zero exit is reported, not thrown. */
export async function testScript(config: Config, name: string, options: { args: string[]; interpreter?: string; timeout?: string }): Promise<ScriptTestReport> {
  const file = path.join(config.scripts.dir, name);
  if (!fs.existsSync(file)) throw new Error(`no script "${name}" in ${config.scripts.dir}; register it with \`riposte script add ${name} FILE\``);
  const interpreter = options.interpreter ?? guessInterpreter(config, name, fs.readFileSync(file, 'utf8'));
  if (!interpreter) throw new Error(`cannot tell which interpreter runs "${name}"; pass --interpreter (${Object.keys(config.scripts.interpreters).join(', ')})`);
  const parsed = scriptRunParams.safeParse({ interpreter, script: name, args: options.args, ...(options.timeout ? { timeout: options.timeout } : {}) });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const base = { script: name, interpreter };
  try {
    const r = await executeScript({ config }, { params: parsed.data, stepId: 'test', action: 'script.run' });
    return { ...base, exitCode: r.timedOut ? null : r.exitCode, timedOut: r.timedOut, sandboxed: r.sandboxed, stdout: r.stdout, stderr: r.stderr, truncated: r.truncated };
  } catch (err) {
    if (err instanceof ApplicationFailure) return { ...base, exitCode: null, timedOut: false, sandboxed: false, stdout: '', stderr: '', truncated: false, error: err.message };
    throw err;
  }
}
