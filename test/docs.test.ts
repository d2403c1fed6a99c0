// The README and docs/ as a reader follows them: every link lands on a file and a heading that exist, the README's chain is the example it names.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../dsl/catalogue';

const ROOT = path.join(__dirname, '..');
const docsDir = path.join(ROOT, 'docs');
const pages = ['README.md', 'CONTRIBUTING.md', ...fs.readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

const read = (page: string) => fs.readFileSync(path.join(ROOT, page), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
}

/** The anchors of a page's headings, outside code blocks. */
function anchors(text: string): Set<string> {
  const found = new Set<string>();
  let code = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) code = !code;
    else if (!code && /^#+ /.test(line)) found.add(slug(line.replace(/^#+ /, '')));
  }
  return found;
}

/** Markdown links outside code blocks and code spans: [text](target). */
function links(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

describe('the docs', () => {
  it('keep the README under 200 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThan(200);
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = read(page);
      for (const target of links(text)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split('#');
        const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
        if (!fs.existsSync(path.join(ROOT, resolved))) {
          broken.push(`${page}: ${target} (no file ${resolved})`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('show in the README the chain of examples/ssh-bruteforce.json as it stands', () => {
    const block = /## One chain[\s\S]*?```json\n([\s\S]*?)```/.exec(read('README.md'));
    expect(block).not.toBeNull();
    expect(JSON.parse(block![1])).toEqual(JSON.parse(read('examples/ssh-bruteforce.json')));
  });

  it('name every action of the catalogue in the README and in the action guide', () => {
    const readme = read('README.md');
    const guide = read('docs/action-guide.md') + read('docs/scripts.md');
    const missing = Object.keys(CATALOGUE).filter((action) => !readme.includes(`\`${action}\``) || !guide.includes(`\`${action}\``));
    expect(missing).toEqual([]);
  });
});
