// What the commands read: chain files, results files and --param pairs.
import fs from 'node:fs';
import { validateChainText, type Chain, type ResultRow } from '../dsl';
import type { Config } from '../config/config';
import { installationContext } from '../config/jobs';
import { formatProblem, locateProblems } from '../api/problem-positions';
import { CliError } from './cli-error';

/** Reads and validates a chain file; throws with every problem as `FILE:LINE:COLUMN: PATH: message`. */
export function loadChain(file: string, cfg: Config): Chain {
  const text = readText(file);
  const result = validateChainText(text, installationContext(cfg));
  if (!result.ok) throw new CliError(locateProblems(file, text, result.problems).map(formatProblem).join('\n'));
  return result.chain;
}


/** A file's text (- for stdin); a file that cannot be read is a CliError naming it. */
export function readText(file: string): string {
  try {
    return file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads results: a JSON array of objects (a single object is one result). */
export function loadResults(file: string | undefined): ResultRow[] {
  if (!file) return [];
  const text = readText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file}: malformed JSON: ${(err as Error).message}`);
  }
  const rows = Array.isArray(value) ? value : [value];
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new CliError(`${file}: [${i}]: each result must be a JSON object`);
  });
  return rows as ResultRow[];
}

/** `--param key=value` pairs: a value that parses as JSON is that JSON, any other one is the string. */
export function parseParams(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--param ${pair}: write key=value`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}
