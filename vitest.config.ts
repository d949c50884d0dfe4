import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [{ find: /^\.\/typescript\.cjs$/, replacement: fileURLToPath(new URL('./test/helpers/typescript-shim.ts', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Test files share a worker's module cache: the compiler loads once per worker, not once per
    // file (10x faster). The analyses keep no global state that one test could leak into another.
    isolate: false,
  },
});
