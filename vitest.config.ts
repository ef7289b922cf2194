import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One real MLflow server for the whole run, started before the first test file (test/harness/global-setup.ts).
    globalSetup: ['test/harness/global-setup.ts'],
    // A safety net against hangs, not a performance bound: fault and end-to-end tests wait on real servers, and a
    // loaded 2-core CI machine can make them several times slower than on a quiet one.
    testTimeout: 240_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
