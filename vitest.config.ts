import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code, fast, no sockets; the renderer's store,
// transport and helpers too, in Node without a DOM) and `integration`
// (real SQLite files, the real devnet over its RPC socket). End-to-end tests
// live in tests/e2e and run under Playwright, not here.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts', 'base/**/*.test.ts', 'hsm/**/*.test.ts', 'main/**/*.test.ts', 'renderer/src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
          environment: 'node',
          // Property and differential tests take seconds; on a loaded 2-core CI
          // machine the 5 s default would fail them for time, not for a bug.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
