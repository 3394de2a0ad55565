import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: the renderer and ffmpeg tests are CPU-bound, so more parallel files only thrash.
    maxWorkers: 2,
  },
});
