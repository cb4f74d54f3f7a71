/**
 * The seeded simulator with dynamic reconfiguration: while faults run, the leader proposes
 * reconfigs (a voter leaves, the leader now and then, or a removed one comes back). The same
 * checkers hold: one leader per epoch, no acknowledged write lost, replicas identical.
 *
 *   npx vitest run test/sim/reconfig-sim.test.ts           # RECONFIG_SEEDS (default 100) seeds
 *   SEED=1234 npx vitest run test/sim/reconfig-sim.test.ts  # replay one seed
 */
import { describe, expect, it } from 'vitest';
import { Sim } from './cluster.js';

const single = process.env.SEED !== undefined ? Number(process.env.SEED) : null;
const count = Number(process.env.RECONFIG_SEEDS ?? 100);
const seeds = single !== null ? [single] : Array.from({ length: count }, (_, i) => 1 + i);

describe('quorum simulator with reconfig', () => {
  it(
    `runs ${seeds.length} seed(s) with reconfigs and every checker passing`,
    () => {
      let reconfigs = 0;
      let writes = 0;
      for (const seed of seeds) {
        const servers = seed % 2 === 0 ? 5 : 3;
        const sim = new Sim({
          seed,
          servers,
          observers: seed % 4 === 1 ? 1 : 0,
          durationMs: 8000,
          clients: 4,
          faults: seed % 5 !== 0,
          reconfig: true,
        });
        try {
          sim.run();
        } catch (err) {
          throw new Error(
            `SEED=${seed} npx vitest run test/sim/reconfig-sim.test.ts — ${(err as Error).message}`,
            { cause: err },
          );
        }
        reconfigs += sim.stats.reconfigs;
        writes += sim.stats.writes;
      }
      console.log(`sim with reconfig: ${seeds.length} seeds`, { reconfigs, writes });
      expect(reconfigs).toBeGreaterThan(0);
    },
    Math.max(600_000, seeds.length * 2_000),
  );
});
