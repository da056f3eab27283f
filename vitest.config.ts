import { defineConfig } from 'vitest/config';

const REDIS_TESTS = 'test/**/*.redis.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'providers/**/*.ts'],
      reporter: ['text-summary', 'html'],
      reportsDirectory: 'coverage',
    },
    projects: [
      {
        // Pure tests: no Redis (test/providers/* talk HTTP to in-process simulators). `npm run test:unit`.
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [REDIS_TESTS],
          setupFiles: ['test/helpers/no-redis.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Everything on the real Redis (TEST_REDIS_URL).
        extends: true,
        test: {
          name: 'redis',
          include: [REDIS_TESTS],
          // Fails the run when it leaves test-* keys behind.
          globalSetup: ['test/helpers/redis-leaks.ts'],
          // Integration suites share one Redis database; each uses its own key prefix, but running files one after
          // another keeps CPU-bound timing (polling intervals) predictable on 2 cores.
          fileParallelism: false,
          // After the unit project, not beside it: no unit file competes with them for the CPU.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
