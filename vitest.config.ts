import { defineConfig } from 'vitest/config';

// One runner for all tiers. Integration and e2e tests open real sockets and
// processes, so they get longer timeouts; files run in parallel across 2 cores.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./tests/support/global-setup.ts'],
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
