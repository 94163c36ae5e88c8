import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One process per test file: each GPU suite gets its own device and destroys it at the
    // end, so a crash of the software adapter in one file cannot take the others with it.
    pool: 'forks',
    isolate: true,
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    globalSetup: ['test/util/gpu-summary.ts'],
  },
});
