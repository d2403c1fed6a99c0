// Parameters of script.run (JSA custom action, Smart Monitor "Running the script").
import { z } from 'zod';
import { DURATION_PATTERN } from '../../duration';
import { scriptNamePattern, splitCommand } from './literal';
import { secretRef } from '../shared/common';

export { scriptNamePattern, splitCommand, splitCommandTemplate, tokenLeads, scriptRunBeforeRender, type CommandWord } from './literal';

/**
 * An argv element whose start a token wrote, as the chain's literal text was split before rendering.
 * The activity refuses it when it renders to something that starts with "-", unless the step sets
 * `allowOptionArguments`.
 */
export const fromTokenArg = z
  .object({ fromToken: z.union([z.string(), z.number().transform(String), z.boolean().transform(String)], { message: 'a token here renders one argument: a text, number or boolean, not a list or object' }) })
  .strict()
  .describe('Set by riposte, not written in chains: an argument whose start a token wrote');

/** One argument, passed to the script as one argv entry in the order given. */
export const scriptArg = z.union([
  z.string(),
  z.number().transform(String),
  z.boolean().transform(String),
  z.object({ literal: z.string() }).strict(),
  z.object({ property: z.string().min(1, { message: 'name a field of the result, e.g. "src_ip"' }) }).strict(),
  z.object({ secret: secretRef }).strict(),
  fromTokenArg,
]);

const command = z.union([
  z.array(z.union([z.string().min(1), fromTokenArg])).min(1, { message: 'name the program to run as the first entry' }),
  z.string().superRefine((line, ctx) => {
    const split = splitCommand(line);
    if ('error' in split) ctx.addIssue({ code: 'custom', message: split.error });
  }),
]);

/** How long a script may run when the step gives no `with.timeout`. */
export const DEFAULT_SCRIPT_TIMEOUT = '30s';

/** script.run parameters: an interpreter with a registered or inline script, or a command. */
export const scriptRunParams = z
  .object({
    interpreter: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/, { message: 'name an interpreter from the configuration (bash, python3, perl by default)' }).optional(),
    script: z.string().regex(scriptNamePattern, { message: 'name a script registered with `riposte script add NAME FILE` (a file name, no path)' }).optional(),
    inline: z.string().min(1).optional(),
    command: command.optional(),
    args: z.array(scriptArg).default([]),
    /**
     * Lets argv elements written by a token (and `property` arguments) start with "-". Off by
     * default: a result could otherwise turn a value into an option (`--output=/etc/x`).
     */
    allowOptionArguments: z.boolean().default(false),
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
