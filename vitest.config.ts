import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites share one Redis database; each uses its own key prefix, but running
    // files one after another keeps CPU-bound timing (polling intervals) predictable on 2 cores.
    fileParallelism: false,
    reporters: ['default'],
  },
});
