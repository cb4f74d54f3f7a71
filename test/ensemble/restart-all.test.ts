/**
 * Issue 4 acceptance: SIGKILL all three servers at once and restart them: the tree (a few
 * hundred nodes with data of several sizes, children, sequential nodes, updated and deleted
 * nodes) is intact on every server, stats included, and sequence numbers go on from where they
 * were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMode } from '../../src/node/proto/opcodes.js';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import {
  closeAll,
  connectWhenServing,
  createNode,
  dumpTree,
  ok,
  type DumpedNode,
  type ZkClient,
} from '../support/ensemble-client.js';

let e: Ensemble;

beforeAll(async () => {
  e = await startEnsemble({ config: { tickTime: '1000' } });
  await e.waitForQuorum();
});

afterAll(async () => {
  await e?.stop();
});

function payload(i: number): Buffer {
  // Empty, small and 1 KiB values, so both tiny and multi-record txns are replayed.
  return i % 3 === 0 ? Buffer.alloc(0) : Buffer.alloc(i % 3 === 1 ? 17 : 1024, `v${i}`);
}

/** Writes the tree, spreading the work over one client per server. */
async function writeTree(clients: ZkClient[]): Promise<void> {
  const on = (i: number) => clients[i % clients.length]!;
  await createNode(on(0), '/restart', 'root of the tree');
  await createNode(on(1), '/restart/seq');
  for (let d = 0; d < 20; d++) {
    const dir = `/restart/d${d}`;
    ok(await on(d).create(dir, payload(d)), dir);
    await Promise.all(
      Array.from({ length: 10 }, async (_, c) =>
        ok(await on(d + c).create(`${dir}/c${c}`, payload(d * 10 + c)), `${dir}/c${c}`),
      ),
    );
    // Versions, cversion and pzxid that are not just those of a create.
    ok(await on(d + 1).setData(`${dir}/c0`, Buffer.from(`updated ${d}`)), 'setData');
    ok(await on(d + 2).setData(`${dir}/c0`, Buffer.from(`updated again ${d}`)), 'setData');
    ok(await on(d).delete(`${dir}/c9`), 'delete');
  }
  for (let i = 0; i < 50; i++)
    ok(
      await on(i).create('/restart/seq/s-', payload(i), undefined, CreateMode.persistentSequential),
      'sequential create',
    );
}

async function dumpEverywhere(): Promise<Map<string, DumpedNode>[]> {
  const dumps: Map<string, DumpedNode>[] = [];
  for (const m of e.members) {
    const c = await connectWhenServing(m);
    try {
      dumps.push(await dumpTree(c, '/restart'));
    } finally {
      await closeAll(c);
    }
  }
  return dumps;
}

describe('all three servers SIGKILLed and restarted', () => {
  it('keep the whole tree on every server', async () => {
    const clients: ZkClient[] = [];
    try {
      for (const m of e.members) clients.push(await connectWhenServing(m));
      await writeTree(clients);
    } finally {
      await closeAll(...clients);
    }
    const before = await dumpEverywhere();
    expect(before[0]!.size).toBe(1 + 1 + 20 * 10 + 50);
    for (const d of before.slice(1)) expect(d).toEqual(before[0]);

    await Promise.all(e.members.map((m) => m.kill()));
    await Promise.all(e.members.map((m) => m.start()));
    await e.waitForQuorum();

    const after = await dumpEverywhere();
    for (const [i, d] of after.entries())
      expect(d, `tree on member ${e.members[i]!.sid}`).toEqual(before[0]);
  });

  it('go on numbering sequential nodes after the last one before the crash', async () => {
    const c = await connectWhenServing(e.members[0]!);
    try {
      expect(
        await createNode(c, '/restart/seq/s-', 'after restart', CreateMode.persistentSequential),
      ).toBe('/restart/seq/s-0000000050');
    } finally {
      await closeAll(c);
    }
  });
});
