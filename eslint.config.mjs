// Lint rules; the determinism rules for dsl/ and workflows/ are enforced here, not by memory.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

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
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'dsl/ and workflows/ run in the workflow sandbox: no Node built-ins' })),
          patterns: [
            { group: ['**/activities', '**/activities/**', '**/worker', '**/worker/**', '**/cli/**'], message: 'dsl/ and workflows/ never import connector, worker or CLI code' },
            { group: ['undici', 'nodemailer', 'pg', 'mysql2', 'better-sqlite3', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: 'no I/O libraries in dsl/ or workflows/' },
          ],
        },
      ],
    },
  },
);
