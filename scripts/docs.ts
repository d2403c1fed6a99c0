// Generates the documentation pages derived from the code: `npm run docs` writes them, test/docs.test.ts fails when one is stale.
import fs from 'node:fs';
import path from 'node:path';
import { FAILURES, type FailureName } from '../dsl/failures';

/** A generated page: where it goes, relative to the repository, and its text. */
export interface GeneratedPage {
  file: string;
  text: string;
}

const RETRIED: Record<string, string> = { no: 'no', yes: 'yes', retryOnExit: 'only with `retryOnExit`' };

/** docs/failures.md: the failure table of dsl/failures.ts. */
export function failuresPage(): GeneratedPage {
  const rows = (Object.keys(FAILURES) as FailureName[]).map((name) => {
    const f = FAILURES[name];
    return `| \`${name}\` | ${f.when} | ${RETRIED[f.retried]} | ${f.todo} |`;
  });
  const text = [
    '# Failures',
    '',
    '<!-- Generated from dsl/failures.ts by `npm run docs`; edit the table there. -->',
    '',
    'A failed step or run carries one of these types. The type is the retry contract: a type that',
    'is not retried is the user\'s to fix, and retrying cannot help.',
    '',
    '| type | when | retried | what to do |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  return { file: 'docs/failures.md', text };
}

/** Every generated page; a new page is one more function here. */
export function generatedPages(): GeneratedPage[] {
  return [failuresPage()];
}

/** The repository root, from sources (scripts/) or from the build (dist/scripts/). */
function root(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

if (require.main === module) {
  for (const page of generatedPages()) {
    fs.writeFileSync(path.join(root(), page.file), page.text);
    console.log(`wrote ${page.file}`);
  }
}
