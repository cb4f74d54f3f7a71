import { defineConfig } from 'vitest/config';

// Two projects: fast pure tests run in parallel; tests that start real servers
// (zkts, Apache ZooKeeper, the Kubernetes control plane) run one file at a time,
// because they share loopback addresses and the machine has two cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/sim/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'test/compat/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/storage/**/*.test.ts',
            'test/ensemble/**/*.test.ts',
            'test/operator/**/*.test.ts',
          ],
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
