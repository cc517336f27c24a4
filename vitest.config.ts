import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Temporal's native worker segfaults under worker threads with several test files.
    pool: 'forks',
    maxWorkers: 2,
    // Bundling workflows and real servers on 2 cores: Vitest's 5 s defaults are far too short.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
