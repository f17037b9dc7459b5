import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.{ts,tsx}', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/fixtures/global-setup.ts'],
    // The skip reporter tells the test command what was skipped and why (tests/fixtures/skip-ledger.ts).
    reporters: ['default', './tests/fixtures/vitest-skip-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
