// Reads the literal text and the tokens of a template apart, so structure comes from chain text and never from rendered values.
import HandlebarsEngine from 'handlebars/dist/cjs/handlebars';

/**
 * A piece of a template as written: literal text, or one token (a mustache, a block with its
 * body, a comment or a partial) kept whole. `source` is the exact chain text of the piece.
 */
export type Segment = { kind: 'text'; source: string } | { kind: 'token'; source: string };

/** A problem found in the literal text of a parameter, with its path inside `with`. */
export interface LiteralProblem {
  path: (string | number)[];
  message: string;
}

/** What an action's `beforeRender` hook hands on: the parameters to render, and problems in their literal text. */
export interface LiteralParams {
  params: Record<string, unknown>;
  problems: LiteralProblem[];
}

function offsets(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/**
 * The template's top-level pieces in order, or undefined when it does not parse (rendering reports
 * that with its position). An escaped mustache (`\{{x}}`) is literal text, kept as one piece.
 */
export function templateSegments(text: string): Segment[] | undefined {
  if (!text.includes('{{')) return [{ kind: 'text', source: text }];
  let program: hbs.AST.Program;
  try {
    program = HandlebarsEngine.parse(text);
  } catch {
    return undefined;
  }
  const lines = offsets(text);
  const at = (p: hbs.AST.Position) => lines[p.line - 1] + p.column;
  const out: Segment[] = [];
  let end = 0;
  for (const node of program.body) {
    const from = at(node.loc.start);
    const to = at(node.loc.end);
    // Handlebars gives the backslash of `\{{` to the text before it; a gap would be text too.
    if (from > end) out.push({ kind: 'text', source: text.slice(end, from) });
    const source = text.slice(from, to);
    out.push(node.type === 'ContentStatement' ? { kind: 'text', source } : { kind: 'token', source });
    end = to;
  }
  if (end < text.length) out.push({ kind: 'text', source: text.slice(end) });
  return out;
}

/** True when the literal text would read as a token, or end in a backslash that escapes the next one. */
export function unsafeLiteral(text: string): boolean {
  return text.includes('{{') || text.endsWith('\\');
}

/**
 * Splits a template at the separators of its literal text, outside double quotes and outside
 * tokens: `"a@x, {{result.b}}"` gives `a@x` and `{{result.b}}`, whatever `result.b` will hold.
 * Pieces are trimmed; empty ones are dropped. Undefined when the template does not parse.
 */
export function splitLiteralList(text: string, separators = ','): string[] | undefined {
  const segments = templateSegments(text);
  if (!segments) return undefined;
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (const segment of segments) {
    // Escaped mustaches (`{{...` as text) stay whole: their commas are not the list's.
    if (segment.kind === 'token' || segment.source.startsWith('{{')) {
      current += segment.source;
      continue;
    }
    for (const ch of segment.source) {
      if (ch === '"') quoted = !quoted;
      if (!quoted && separators.includes(ch)) {
        pieces.push(current);
        current = '';
      } else current += ch;
    }
  }
  pieces.push(current);
  return pieces.map((p) => p.trim()).filter((p) => p.length > 0);
}
