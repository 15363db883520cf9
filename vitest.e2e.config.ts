// End-to-end tests: plain Node (not the workers pool). Each test file starts its own local
// worker (test/e2e/harness.ts) and drives the real `git` CLI against it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // 2 cores: at most two files (two workers + their git processes) at a time.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    // A slow test is normal here (git + a local runtime); don't flag it.
    slowTestThreshold: 30_000,
    reporters: process.env.CI ? ['verbose'] : ['default'],
    env: {
      WRANGLER_SEND_METRICS: 'false',
      DO_NOT_TRACK: '1',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    },
  },
});
