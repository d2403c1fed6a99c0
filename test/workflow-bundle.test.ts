// The workflow bundle holds no template engine: templates are rendered by activities, never in the workflow sandbox.
import fs from 'node:fs';
import { describe, expect, it, inject } from 'vitest';

const bundle = () => fs.readFileSync(inject('workflowBundlePath'), 'utf8');

describe('workflow bundle', () => {
  it('holds neither the Handlebars compiler nor its runtime', () => {
    const code = bundle();
    // The workflows are in it (a check of a bundle that lost them would pass for nothing).
    expect(code).toContain('runChain');
    expect(code).toContain('runSegment');
    // Module paths webpack writes for every bundled file of the package, and identifiers only its compiler and runtime define.
    expect(code).not.toMatch(/node_modules\/handlebars\//);
    for (const name of ['JavaScriptCompiler', 'HandlebarsEnvironment', 'COMPILER_REVISION', 'registerDefaultHelpers', 'invokePartial', 'parseWithoutProcessing']) expect(code, name).not.toContain(name);
  });
});
