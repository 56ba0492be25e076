import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start real servers (moto, TLS peers); two cores, so keep the pool small.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2 } },
  },
});
