import { defineConfig } from 'vitest/config';

// The fast tier: connectors in MockActivityEnvironment against loopback peers, the interpreter
// against stub activities. No Temporal server, no database server: `npm run test:unit`.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 20_000,
    // The tests assert every failure themselves; the worker log's warning per failed attempt is noise here.
    env: { RIPOSTE_LOG_LEVEL: 'error' },
    pool: 'forks',
    fileParallelism: true,
  },
});
