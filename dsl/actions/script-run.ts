// Parameters of script.run (JSA custom action, Smart Monitor "Running the script").
import { parse as parseShellWords } from 'shell-quote';
import { z } from 'zod';
import { DURATION_PATTERN } from '../duration';
import { secretRef } from './common';

/** A registered script's name: a file name in the scripts directory, no path. */
export const scriptNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * Splits a command line into argv without a shell. Returns the words, or a message when the line
 * holds shell syntax (operators, redirections, globs, comments) that riposte will not interpret.
 */
export function splitCommand(line: string): { argv: string[] } | { error: string } {
  // Variables are kept as written: no environment is consulted and `$HOME` stays the text `$HOME`.
  const parsed = parseShellWords(line, (name) => `$${name}`);
  const argv: string[] = [];
  for (const part of parsed) {
    if (typeof part === 'string') {
      argv.push(part);
      continue;
    }
    if ('op' in part && part.op === 'glob') return { error: `the command holds the glob "${part.pattern}"; riposte runs no shell, so write the file names out or use an argv array` };
    if ('op' in part) return { error: `the command holds the shell operator "${part.op}"; riposte runs one program without a shell: split it into steps or put the logic in a registered script` };
    return { error: 'the command holds a shell comment; remove it' };
  }
  if (argv.length === 0) return { error: 'the command is empty; name the program to run' };
  return { argv };
}

/** One argument, passed to the script as one argv entry in the order given. */
export const scriptArg = z.union([
  z.string(),
  z.number().transform(String),
  z.boolean().transform(String),
  z.object({ literal: z.string() }).strict(),
  z.object({ property: z.string().min(1, { message: 'name a field of the result, e.g. "src_ip"' }) }).strict(),
  z.object({ secret: secretRef }).strict(),
]);

const command = z.union([
  z.array(z.string().min(1)).min(1, { message: 'name the program to run as the first entry' }),
  z.string().superRefine((line, ctx) => {
    const split = splitCommand(line);
    if ('error' in split) ctx.addIssue({ code: 'custom', message: split.error });
  }),
]);

/** script.run parameters: an interpreter with a registered or inline script, or a command. */
/** How long a script may run when the step gives no `with.timeout`. */
export const DEFAULT_SCRIPT_TIMEOUT = '30s';

export const scriptRunParams = z
  .object({
    interpreter: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/, { message: 'name an interpreter from the configuration (bash, python3, perl by default)' }).optional(),
    script: z.string().regex(scriptNamePattern, { message: 'name a script registered with `riposte script add NAME FILE` (a file name, no path)' }).optional(),
    inline: z.string().min(1).optional(),
    command: command.optional(),
    args: z.array(scriptArg).default([]),
    timeout: z.string().regex(DURATION_PATTERN, { message: 'not a duration; write e.g. "10s" or "2m"' }).default(DEFAULT_SCRIPT_TIMEOUT),
    retryOnExit: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    const given = (['script', 'inline', 'command'] as const).filter((k) => p[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', path: given.length > 1 ? [given[1]] : [], message: 'give exactly one of "script" (a registered script), "inline" (script text) or "command"' });
      return;
    }
    if (p.command !== undefined && p.interpreter !== undefined) ctx.addIssue({ code: 'custom', path: ['interpreter'], message: 'a command names its own program; remove "interpreter" or use "script"/"inline"' });
    if (p.command === undefined && p.interpreter === undefined) ctx.addIssue({ code: 'custom', path: ['interpreter'], message: 'name the interpreter that runs the script: bash, python3 or perl' });
  });

export type ScriptRunParams = z.infer<typeof scriptRunParams>;

/** script.run output. stdout and stderr are capped, with every secret replaced by `***`. */
export interface ScriptRunOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was cut at the output limit. */
  truncated: boolean;
  /** False only when configuration allowed running without the sandbox and none was found. */
  sandboxed: boolean;
  /** The executor host that ran it, when the step named one. */
  host?: string;
}
