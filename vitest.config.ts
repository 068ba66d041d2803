import { defineConfig } from 'vitest/config';

// Two layers: fast pure/unit tests, and e2e tests that run the built bins against the reference
// server with real rclone and FUSE. The e2e globalSetup checks the machine has what they need and
// installs it or fails at once with the command to run (never a silent skip).
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
