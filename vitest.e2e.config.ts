import { defineConfig } from 'vitest/config';

// End-to-end tests: real Chromium against web mode. One file at a time (one browser, one server),
// generous timeouts (software WebGL and a CPU segmentation on two cores).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
