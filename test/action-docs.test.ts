// The generated action registries and docs/actions/ pages match the definition modules (`npm run docs` rewrites them).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, DEFINITIONS, POLICIES } from '../dsl';
import { actionFolders, actionPages, registryFiles } from '../scripts/docs-actions';

const root = path.join(__dirname, '..');
const read = (file: string) => (fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), 'utf8') : undefined);

describe('generated action files', () => {
  it('the registries list every folder of dsl/actions/ (run npm run docs when this fails)', () => {
    for (const file of registryFiles(actionFolders(root))) expect(read(file.path), file.path).toBe(file.content);
  });

  it('every action has its folder, whose policy names it', () => {
    const folders = actionFolders(root);
    expect(folders.map((f) => f.name)).toEqual(ACTION_NAMES);
    for (const name of ACTION_NAMES) expect(DEFINITIONS[name].policy).toBe(POLICIES[name]);
  });

  it('docs/actions/ holds one current page per action and nothing else (run npm run docs when this fails)', () => {
    const pages = actionPages(ACTION_NAMES.map((name) => DEFINITIONS[name]));
    for (const page of pages) expect(read(page.path), page.path).toBe(page.content);
    const onDisk = fs.readdirSync(path.join(root, 'docs', 'actions')).filter((f) => f.endsWith('.md')).sort();
    expect(onDisk).toEqual(pages.map((p) => path.basename(p.path)).sort());
  });
});
