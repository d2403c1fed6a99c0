// The generated documentation pages are what `npm run docs` writes from the code today.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedPages } from '../scripts/docs';

describe('generated docs', () => {
  for (const page of generatedPages()) {
    it(`${page.file} is up to date (regenerate with npm run docs)`, () => {
      expect(fs.readFileSync(path.join(__dirname, '..', page.file), 'utf8')).toBe(page.text);
    });
  }
});
