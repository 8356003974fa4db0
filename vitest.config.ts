import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Tests open real sockets and start real servers; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
