/**
 * Issue 4 acceptance: SIGKILL the leader while clients write sequentially. A new leader is
 * elected, every acknowledged write is on every server afterwards, and the old leader, restarted,
 * rejoins as a follower and catches up by DIFF: the new leader's mntr zk_diff_count grows by one
 * and zk_snap_count does not (Apache 3.8 counts every non-snapshot sync, DIFF or TRUNC+DIFF, in
 * zk_diff_count).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type EnsembleMember } from '../support/ensemble.js';
import {
  childrenAfterSync,
  closeAll,
  connectWhenServing,
  createNode,
  mntrNumber,
  srvrZxid,
  waitUntil,
  ZkClient,
} from '../support/ensemble-client.js';
import { SequentialWriter } from '../support/sequential-writer.js';

let e: Ensemble;
let oldLeader: EnsembleMember;
let newLeader: EnsembleMember;
const acked: string[] = [];

beforeAll(async () => {
  e = await startEnsemble({ config: { tickTime: '1000' } });
  oldLeader = await e.waitForQuorum();
});

afterAll(async () => {
  await e?.stop();
});

/** The connect string with `first` first, so the client starts there. */
function startingAt(first: EnsembleMember): string {
  return [first, ...e.members.filter((m) => m !== first)].map((m) => m.address).join(',');
}

async function expectAllPresent(m: EnsembleMember): Promise<void> {
  const c = await connectWhenServing(m);
  try {
    const have = new Set(await childrenAfterSync(c, '/failover'));
    const missing = acked.filter((p) => !have.has(p.slice('/failover/'.length)));
    expect(missing, `acknowledged writes missing on member ${m.sid}`).toEqual([]);
  } finally {
    await closeAll(c);
  }
}

describe('SIGKILL of the leader under sequential writes', () => {
  it('elects a new leader and loses no acknowledged write', async () => {
    const setup = await connectWhenServing(oldLeader);
    await createNode(setup, '/failover');
    await closeAll(setup);

    const follower = e.members.find((m) => m !== oldLeader)!;
    const onLeader = await ZkClient.connect(startingAt(oldLeader), { sessionTimeoutMs: 15_000 });
    const onFollower = await ZkClient.connect(startingAt(follower), { sessionTimeoutMs: 15_000 });
    const writers = [
      new SequentialWriter(onLeader, '/failover', 'via-leader'),
      new SequentialWriter(onFollower, '/failover', 'via-follower'),
    ];
    try {
      await Promise.all(writers.map((w) => w.waitAcked(30)));
      const before = writers.map((w) => w.acked.length);
      await oldLeader.kill();
      newLeader = await e.waitForQuorum();
      expect(newLeader).not.toBe(oldLeader);
      // Both clients lost their server (the leader died; followers drop clients while they
      // elect) and must go on writing through the new quorum.
      await Promise.all(writers.map((w, i) => w.waitAcked(before[i]! + 30)));
    } finally {
      await Promise.all(writers.map((w) => w.stop()));
      await closeAll(onLeader, onFollower);
    }
    for (const w of writers) {
      expect(w.errors).toEqual([]);
      acked.push(...w.acked);
    }
    for (const m of e.members.filter((x) => x.running)) await expectAllPresent(m);
  });

  it('the old leader rejoins as a follower, catches up by DIFF and has every acknowledged write', async () => {
    const diffBefore = await mntrNumber(newLeader, 'zk_diff_count');
    const snapBefore = await mntrNumber(newLeader, 'zk_snap_count');
    expect(diffBefore, 'leader mntr zk_diff_count').toBeTypeOf('number');
    expect(snapBefore, 'leader mntr zk_snap_count').toBeTypeOf('number');

    await oldLeader.start();
    expect(await e.waitForQuorum()).toBe(newLeader);
    expect(await oldLeader.mode()).toBe('follower');
    expect(await mntrNumber(newLeader, 'zk_diff_count')).toBe(diffBefore! + 1);
    expect(await mntrNumber(newLeader, 'zk_snap_count')).toBe(snapBefore);

    await expectAllPresent(oldLeader);
    // With no writes going on, every replica ends at the same last zxid.
    await waitUntil('every member at the same zxid', async () => {
      const z = await Promise.all(e.members.map((m) => srvrZxid(m)));
      return z[0] !== undefined && z.every((x) => x === z[0]);
    });
  });
});
