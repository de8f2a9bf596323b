import { defineConfig } from 'vitest/config';

// `npm run bench`: prints figures; nothing here asserts a timing.
export default defineConfig({
  test: {
    benchmark: { include: ['tests/bench/**/*.bench.ts'] },
    environment: 'node',
  },
});
