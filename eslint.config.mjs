// Lint rules; the determinism rules for dsl/ and workflows/ are enforced here, not by memory.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const sandboxPaths = nodeBuiltins.map((name) => ({ name, message: 'dsl/ and workflows/ run in the workflow sandbox: no Node built-ins' }));
const sandboxPatterns = [
  { group: ['**/activities', '**/activities/**', '**/worker', '**/worker/**', '**/cli/**'], message: 'dsl/ and workflows/ never import connector, worker or CLI code' },
  { group: ['undici', 'nodemailer', 'pg', 'mysql2', 'better-sqlite3', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: 'no I/O libraries in dsl/ or workflows/' },
];

export default tseslint.config(
  { ignores: ['*.tmp.js', 'dist/**', 'node_modules/**', 'coverage/**', 'scripts/setup.js', '.riposte/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
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
