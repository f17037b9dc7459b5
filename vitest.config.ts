import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.{ts,tsx}', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/fixtures/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
