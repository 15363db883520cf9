// Unit and integration tests that run inside workerd (the real Workers runtime).
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      // The bench worker: Arbor (src/index.ts) plus the benchmark DO its tests use.
      wrangler: { configPath: './bench/wrangler.toml' },
      miniflare: { bindings: { ARBOR_ADMIN_TOKEN: 'test-admin-token' } },
    }),
  ],
  test: {
    include: ['test/unit/**/*.test.ts', 'dofs/test/**/*.test.ts'],
    // The git-made repository of the isomorphic-git differential test (cached after the first run).
    globalSetup: ['test/fixtures/isogit/global-setup.mjs'],
    testTimeout: 60_000,
    // Every request writes a JSON log line (src/http/log.ts): not worth printing for each test.
    onConsoleLog: (log) => !log.startsWith('{"type":"request"'),
  },
});
