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
    // One module graph per worker process rather than per file: the SDK, the AWS client and the
    // connectors load once, which is most of the tier's time. Each file builds its own worker
    // configuration, store and peers, so nothing a test asserts is shared between files.
    isolate: false,
    fileParallelism: true,
  },
});
