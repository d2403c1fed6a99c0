// Lint rules: the determinism rules for dsl/ and workflows/, and the rooms' one-way doors, are enforced here, not by memory.
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const sandboxPaths = nodeBuiltins.map((name) => ({ name, message: 'dsl/ and workflows/ run in the workflow sandbox: no Node built-ins' }));
const sandboxPatterns = [
  {
    group: ['**/config', '**/config/**', '**/store', '**/store/**', '**/control', '**/control/**', '**/activities', '**/activities/**', '**/api', '**/api/**', '**/worker', '**/worker/**', '**/cli/**'],
    message: 'dsl/ and workflows/ never import configuration, store, client, connector, API, worker or CLI code',
  },
  { group: ['undici', 'nodemailer', 'pg', 'mysql2', 'better-sqlite3', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: 'no I/O libraries in dsl/ or workflows/' },
];

/**
 * The rooms and the rooms each may import (docs/architecture.md draws them). A higher room imports
 * lower ones only: cli > api, worker > activities > control > store > config > dsl; workflows
 * import dsl alone. scripts/ and test/ may import any room.
 */
const ROOMS = {
  dsl: [],
  workflows: ['dsl'],
  config: ['dsl'],
  store: ['config', 'dsl'],
  control: ['store', 'config', 'dsl'],
  activities: ['control', 'store', 'config', 'dsl'],
  api: ['activities', 'control', 'store', 'config', 'dsl'],
  worker: ['activities', 'control', 'store', 'config', 'dsl'],
  cli: ['api', 'worker', 'activities', 'control', 'store', 'config', 'dsl'],
};
const ALL = [...Object.keys(ROOMS), 'scripts', 'test'];

const roomZones = Object.entries(ROOMS).map(([room, allowed]) => ({
  target: `./${room}`,
  from: ALL.filter((other) => other !== room && !allowed.includes(other)).map((other) => `./${other}`),
  message: `${room}/ may import only ${allowed.length ? allowed.map((r) => `${r}/`).join(', ') : 'itself'} (docs/architecture.md)`,
}));

// Each connector folder reaches the others only through activities/shared/; shared/ reaches no connector.
const connectors = fs
  .readdirSync(path.join(import.meta.dirname, 'activities'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .map((d) => d.name);
const connectorZones = [
  ...connectors.map((name) => ({
    target: `./activities/${name}`,
    from: './activities',
    except: [`./${name}`, './shared'],
    message: `activities/${name}/ shares code with other connectors only through activities/shared/`,
  })),
  { target: './activities/shared', from: './activities', except: ['./shared'], message: 'activities/shared/ never imports a connector' },
];

export default tseslint.config(
  { ignores: ['*.tmp.js', 'dist/**', 'node_modules/**', 'coverage/**', 'scripts/setup.js', '.riposte/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-restricted-paths': ['error', { zones: [...roomZones, ...connectorZones] }],
    },
  },
  {
    // No file cycles, in any room.
    files: ['dsl/**/*.ts', 'workflows/**/*.ts', 'config/**/*.ts', 'store/**/*.ts', 'control/**/*.ts', 'activities/**/*.ts', 'api/**/*.ts', 'worker/**/*.ts', 'cli/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['dsl/**/*.ts', 'workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: sandboxPaths, patterns: sandboxPatterns }],
    },
  },
  {
    // Workflows import the plain model only: no zod, no schemas, no validator (a test reads the bundle).
    files: ['workflows/**/*.ts', 'dsl/model.ts', 'dsl/action-policies.ts', 'dsl/actions/policy.ts', 'dsl/actions/policies.ts', 'dsl/actions/*/policy.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'zod', message: 'zod stays out of the workflow bundle: workflows import dsl/model.ts', allowTypeImports: true },
            { name: '../dsl', message: 'workflows import ../dsl/model (the plain model), not the whole chain language', allowTypeImports: true },
          ],
          patterns: [{ group: ['**/catalogue', '**/validate', '**/json-schema', '**/json-schema-core', '**/chain', '../dsl/*', '!../dsl/model', '**/actions/definitions', '**/actions/*/params', '**/actions/*/index', '**/actions/shared/*'], message: 'zod side of the chain language: not for workflows or plain policies', allowTypeImports: true }],
        },
      ],
    },
  },
);
