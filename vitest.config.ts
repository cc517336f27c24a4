import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's native worker segfaults under worker threads with several test files.
    pool: 'forks',
    maxWorkers: 2,
    teardownTimeout: 60_000,
    projects: [
      {
        // Pure logic: no server, no database; `npm run test:unit` runs these alone in seconds.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/global-setup.ts'],
          // Bundling workflows and real servers on 2 cores: Vitest's 5 s defaults are far too short.
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // The fault and crash matrices: minutes each, so `npm run suite:faults|crashes`, not `npm test`.
        test: {
          name: 'suites',
          include: ['test/suites/**/*.suite.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 3_600_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
