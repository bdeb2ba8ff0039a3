import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser and interop tests start servers on their own ports; files still run in parallel workers.
    pool: 'forks',
    maxWorkers: 2,
    // A poll returns as soon as it holds; Vitest's 1 s default failed a browser page's update in one CI run on a busy
    // 2-core machine (the WeChat bind page's resend notice).
    expect: { poll: { timeout: 10_000 } },
  },
});
