import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: the renderer and ffmpeg tests are CPU-bound, so more parallel files only thrash.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'embedded', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
      },
      {
        // The same API suite again on the scale-out backends — PostgreSQL, BullMQ on Redis, S3 (s3rver) — with a
        // worker runtime taking the jobs (test/server/backends.ts). The crash test spawns its own embedded server.
        extends: true,
        test: {
          name: 'scale',
          include: ['test/server/**/*.test.ts'],
          exclude: ['test/server/crash.test.ts'],
          env: { KINEO_TEST_BACKENDS: 'scale' },
        },
      },
    ],
  },
});
