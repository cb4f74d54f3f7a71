import { defineConfig } from 'vitest/config';

// The operator's end-to-end scenario (test/e2e/*.e2e.ts). Kept out of the main config's
// include until the operator and the replicated zkts ensemble it drives exist; see
// test/e2e/README.md. Run: npm run build && npx vitest run -c test/e2e/vitest.ensemble.config.ts
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
