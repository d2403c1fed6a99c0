// Where in a chain file a problem is: the line and column of the JSON node its path names, read with jsonc-parser.
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import type { Problem } from '../dsl';

/** A problem with the file it is in and its position there (1-based line and column). */
export interface LocatedProblem {
  file: string;
  path: string;
  line: number;
  column: number;
  message: string;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * The deepest node of the tree along a problem path such as `steps[2].with.to[1]`. Paths are
 * written with dots, so a key that holds a dot is matched against the object's real keys, longest
 * first; a part that is not in the file (a missing field) stops at the object that lacks it.
 */
export function nodeAtPath(root: Node, path: string): Node {
  let node = root;
  let rest = path;
  while (rest.length > 0) {
    if (rest.startsWith('.')) rest = rest.slice(1);
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      const child = node.type === 'array' ? node.children?.[Number(index[1])] : undefined;
      if (!child) return node;
      node = child;
      rest = rest.slice(index[0].length);
      continue;
    }
    if (node.type !== 'object') return node;
    let best: { key: string; value: Node } | undefined;
    for (const property of node.children ?? []) {
      const key = property.children?.[0]?.value;
      const value = property.children?.[1];
      if (typeof key !== 'string' || !value || !rest.startsWith(key)) continue;
      const next = rest.charAt(key.length);
      if (next !== '' && next !== '.' && next !== '[') continue;
      if (!best || key.length > best.key.length) best = { key, value };
    }
    if (!best) return node;
    node = best.value;
    rest = rest.slice(best.key.length);
  }
  return node;
}

/** Problems of one file with their positions; a file that does not parse points at its first syntax error. */
export function locateProblems(file: string, text: string, problems: readonly Problem[]): LocatedProblem[] {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  return problems.map((p) => {
    const offset = !root || errors.length > 0 ? errors[0]?.offset ?? 0 : nodeAtPath(root, p.path).offset;
    return { file, path: p.path, ...lineColumn(text, offset), message: p.message };
  });
}

/**
 * The text form: `FILE:LINE:COLUMN: PATH: message`, the shape compilers print and editors and CI
 * annotations read. The earlier `FILE: PATH: message` keeps its order and parts; the position joins
 * the file name as compilers write it. The root's path prints as `(root)`.
 */
export function formatProblem(p: LocatedProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path || '(root)'}: ${p.message}`;
}
