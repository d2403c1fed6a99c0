// The workflow bundle holds only what workflows need: no zod (workflows import the plain model, dsl/model.ts) and no template engine (activities render templates).
import fs from 'node:fs';
import { describe, expect, inject, it } from 'vitest';

/** The module paths webpack wrote into the bundle (one `// ./path` header per module in development builds, and source map names). */
function modulesOf(code: string): string[] {
  return [...new Set([...code.matchAll(/\.\/((?:node_modules\/)?[\w@./-]+?\.(?:[cm]?js|ts))\b/g)].map((m) => m[1]))];
}

describe('workflow bundle', () => {
  const code = fs.readFileSync(inject('workflowBundlePath'), 'utf8');
  const modules = modulesOf(code);

  it('is the bundle the workers run: the workflows and the plain action policies are in it', () => {
    expect(modules.some((m) => /^workflows\/run-chain\.[jt]s$/.test(m))).toBe(true);
    expect(modules.some((m) => /^dsl\/actions\/policies\.[jt]s$/.test(m))).toBe(true);
    expect(modules.some((m) => m.startsWith('node_modules/@temporalio/workflow/'))).toBe(true);
  });

  it('holds no zod module', () => {
    expect(modules.filter((m) => m.startsWith('node_modules/zod/'))).toEqual([]);
    // zod's own class names, which any copy of it defines.
    expect(code).not.toMatch(/\$ZodType|ZodError|\$ZodCheck/);
  });

  it('holds no action parameter schema, chain schema or validator', () => {
    const zodSide = modules.filter((m) => /^dsl\/(actions\/[\w-]+\/(params|index)|actions\/shared\/[\w-]+|actions\/definitions|catalogue|chain|validate|json-schema|json-schema-core|insight|triggers|index)\.[jt]s$/.test(m));
    expect(zodSide).toEqual([]);
  });

  it('holds neither the Handlebars compiler nor its runtime', () => {
    const code = fs.readFileSync(inject('workflowBundlePath'), 'utf8');
    // The workflows are in it (a check of a bundle that lost them would pass for nothing).
    expect(code).toContain('runChain');
    expect(code).toContain('runSegment');
    // Module paths webpack writes for every bundled file of the package, and identifiers only its compiler and runtime define.
    expect(code).not.toMatch(/node_modules\/handlebars\//);
    for (const name of ['JavaScriptCompiler', 'HandlebarsEnvironment', 'COMPILER_REVISION', 'registerDefaultHelpers', 'invokePartial', 'parseWithoutProcessing']) expect(code, name).not.toContain(name);
  });
});
