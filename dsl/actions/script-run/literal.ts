// script.run's literal text, read before rendering: argv words without a shell, and what a token may not choose.
import { parse as parseShellWords } from 'shell-quote';
import { templateSegments, type LiteralParams, type LiteralProblem } from '../../segments';

/** A registered script's name: a file name in the scripts directory, no path. */
export const scriptNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

type ShellWord = ReturnType<typeof parseShellWords>[number];

function shellWords(parsed: ShellWord[]): { words: string[] } | { error: string } {
  const words: string[] = [];
  for (const part of parsed) {
    if (typeof part === 'string') {
      words.push(part);
      continue;
    }
    // No shell expands it: `logs-*` is the program's own argument, as the Smart Monitor example passes an index pattern.
    if ('op' in part && part.op === 'glob') {
      words.push(part.pattern);
      continue;
    }
    if ('op' in part) return { error: `the command holds the shell operator "${part.op}"; riposte runs one program without a shell: split it into steps or put the logic in a registered script` };
    return { error: 'the command holds a shell comment; remove it' };
  }
  if (words.length === 0) return { error: 'the command is empty; name the program to run' };
  return { words };
}

/**
 * Splits a command line into argv without a shell. Returns the words, or a message when the line
 * holds shell syntax (operators, redirections, comments) that riposte will not interpret. A `*` or `?`
 * is an ordinary character: nothing expands it.
 */
export function splitCommand(line: string): { argv: string[] } | { error: string } {
  // Variables are kept as written: no environment is consulted and `$HOME` stays the text `$HOME`.
  const split = shellWords(parseShellWords(line, (name) => `$${name}`));
  return 'error' in split ? split : { argv: split.words };
}

/** One word of a command template: the template of one argv element, and whether a token writes its start. */
export interface CommandWord {
  template: string;
  hasToken: boolean;
  /** A token writes the first characters of the word, so it could make the word an option. */
  tokenLeads: boolean;
}

/** Whether a token writes the start of `template`: only dashes or spaces come before its first token. */
export function tokenLeads(template: string): boolean {
  const segments = templateSegments(template);
  if (!segments) return false;
  const first = segments.findIndex((s) => s.kind === 'token');
  if (first < 0) return false;
  return /^[\s-]*$/.test(segments.slice(0, first).map((s) => s.source).join(''));
}

/**
 * Splits a command template into words BEFORE rendering: the literal text is read as shell words
 * (without a shell), and each token stays inside the word it was written in, so a value with
 * spaces or quotes is still one argv element. Undefined when the template does not parse
 * (rendering reports that with its position).
 */
export function splitCommandTemplate(line: string): { words: CommandWord[] } | { error: string } | undefined {
  const segments = templateSegments(line);
  if (!segments) return undefined;
  let mark = 'RIPOSTETOKEN';
  while (line.includes(mark)) mark += 'X';
  const tokens: string[] = [];
  const text = segments.map((s) => (s.kind === 'token' ? `${mark}${tokens.push(s.source) - 1}E` : s.source)).join('');
  const split = shellWords(parseShellWords(text, (name) => `$${name}`));
  if ('error' in split) return split;
  const placeholder = new RegExp(`${mark}(\\d+)E`, 'g');
  const words: CommandWord[] = [];
  for (const word of split.words) {
    const parts = word.split(placeholder);
    // split() with a capture group alternates literal text and token numbers.
    let template = '';
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 1) {
        template += tokens[Number(parts[i])];
        continue;
      }
      const literal = parts[i];
      if (literal.includes('{{') || (literal.endsWith('\\') && i + 1 < parts.length)) {
        return { error: 'the command\'s literal text holds "{{" or a backslash before a token; write the command as an array of words' };
      }
      template += literal;
    }
    const hasToken = parts.length > 1;
    words.push({ template, hasToken, tokenLeads: hasToken && /^[\s-]*$/.test(parts[0]) });
  }
  return { words };
}

const hasToken = (v: unknown): v is string => typeof v === 'string' && v.includes('{{');

/** A word or argument with tokens: marked when a token writes its start, so the activity can refuse an option. */
function argTemplate(template: string): string | { fromToken: string } {
  return tokenLeads(template) ? { fromToken: template } : template;
}

/**
 * script.run's literal text, read before rendering: a command string becomes its argv words,
 * words and arguments whose start a token writes are marked, and the fields that choose what runs
 * (program, interpreter, script, inline text) must be written out, never produced by a token.
 */
export function scriptRunBeforeRender(params: Record<string, unknown>): LiteralParams {
  const out: Record<string, unknown> = { ...params };
  const problems: LiteralProblem[] = [];
  const chooses = 'chooses what runs, so it must be written out; pass values from results as arguments';
  if (hasToken(params.interpreter)) problems.push({ path: ['interpreter'], message: `the interpreter ${chooses}` });
  if (hasToken(params.script)) problems.push({ path: ['script'], message: `the script name ${chooses}` });
  if (hasToken(params.inline)) problems.push({ path: ['inline'], message: 'the inline script cannot hold tokens: a value would become code; pass it as an argument in "args" and read it as $1 (sys.argv[1] in Python)' });
  const programProblem = (path: (string | number)[]) => problems.push({ path, message: `the program (the first word) ${chooses}` });
  if (typeof params.command === 'string' && hasToken(params.command)) {
    const split = splitCommandTemplate(params.command);
    if (split && 'error' in split) problems.push({ path: ['command'], message: split.error });
    else if (split) {
      if (split.words[0].hasToken) programProblem(['command']);
      out.command = split.words.map((w) => (w.tokenLeads ? { fromToken: w.template } : w.template));
    }
  } else if (typeof params.command === 'string') {
    const split = splitCommand(params.command);
    if ('argv' in split) out.command = split.argv;
  } else if (Array.isArray(params.command)) {
    if (hasToken(params.command[0])) programProblem(['command', 0]);
    out.command = params.command.map((w, i) => (i > 0 && hasToken(w) ? argTemplate(w) : w));
  }
  if (Array.isArray(params.args)) {
    out.args = params.args.map((a) => {
      if (hasToken(a)) return argTemplate(a);
      if (a && typeof a === 'object' && !Array.isArray(a) && Object.keys(a).length === 1 && hasToken((a as { literal?: unknown }).literal)) return argTemplate((a as { literal: string }).literal);
      return a;
    });
  }
  return { params: out, problems };
}

/** The hook the engine calls before rendering (see ActionDefinition.beforeRender). */
export const beforeRender = scriptRunBeforeRender;
