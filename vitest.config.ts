import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser and interop tests start servers on their own ports; files still run in parallel workers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
