import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/prng.js';
import { OpCode } from '../proto/opcodes.js';
import type { LoggedTxn } from '../proto/types.js';
import { decodeQuorumPacket, encodeQuorumPacket } from '../quorum/wire/quorum-packet.js';
import { makeZxid } from '../quorum/wire/zxid.js';
import { learnerStep, type LearnerInput, type LearnerState } from '../quorum/zab/learner.js';
import { QuorumLeader } from './quorum-leader.js';
import { freshLeaderStart, quorumTestTiming as timing } from './quorum-test-fixture.js';

const clock = { wallMs: () => Date.now(), monotonicMs: () => performance.now() };
const leaders: QuorumLeader[] = [];
afterEach(() => leaders.splice(0).forEach((l) => l.stop('test over')));

function txn(counter: number): LoggedTxn {
  const zxid = makeZxid(1, counter);
  return {
    header: { clientId: 1n, cxid: counter, zxid, time: 0, type: OpCode.create },
    txn: {
      type: OpCode.create,
      path: `/n${counter}`,
      data: null,
      acl: [],
      ephemeral: false,
      parentCVersion: 0,
    },
  };
}

/** A leader (sid 3) and in-process followers 1 and 2 whose packets cross real encodings. */
function cluster(followers: bigint[]) {
  const events: string[] = [];
  const learners = new Map<number, LearnerState>();
  let established: (() => void) | null = null;
  const ready = new Promise<void>((r) => (established = r));
  const leader: QuorumLeader = new QuorumLeader(
    {
      send: (conn, p) =>
        setImmediate(() =>
          feed(conn, { kind: 'packet', packet: decodeQuorumPacket(encodeQuorumPacket(p))!.packet }),
        ),
      sendSnapshot: () => events.push('snapshot'),
      close: (conn, reason) => events.push(`close ${conn} ${reason}`),
      persist: (txns) => new Promise((r) => setTimeout(() => r(txns.at(-1)!.header.zxid), 2)),
      writeEpoch: (which, epoch) => events.push(`${which}=${epoch}`),
      established: (epoch) => {
        events.push(`established ${epoch}`);
        established!();
      },
      learnerRequest: () => undefined,
      expireSession: () => undefined,
      shutdown: (reason) => events.push(`shutdown ${reason}`),
    },
    clock,
    seededRandom(1),
  );
  leaders.push(leader);
  const feed = (conn: number, input: LearnerInput): void => {
    const r = learnerStep(learners.get(conn) ?? null, input, clock.monotonicMs());
    learners.set(conn, r.state);
    for (const o of r.outputs) {
      if (o.kind === 'send') {
        const bytes = encodeQuorumPacket(o.packet);
        setImmediate(() => leader.learnerPacket(conn, decodeQuorumPacket(bytes)!.packet));
      }
      if (o.kind === 'persist') {
        const upTo = o.txns.at(-1)!.header.zxid;
        setTimeout(() => feed(conn, { kind: 'persisted', upTo }), 3);
      }
    }
  };
  leader.start(freshLeaderStart());
  for (const sid of followers) {
    const conn = Number(sid);
    feed(conn, {
      kind: 'start',
      self: sid,
      role: 'follower',
      timing,
      configVersion: 0n,
      acceptedEpoch: 0,
      currentEpoch: 0,
      lastLoggedZxid: 0n,
    });
    leader.learnerConnected(conn);
    feed(conn, { kind: 'connected' });
  }
  return { leader, ready, events };
}

describe('QuorumLeader (Committer over the Zab leader)', () => {
  it('establishes epoch 1 and resolves commits in zxid order after quorum acks', async () => {
    const { leader, ready, events } = cluster([1n]);
    await ready;
    expect(events.slice(0, 3)).toEqual(['acceptedEpoch=1', 'currentEpoch=1', 'established 1']);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((c) => leader.commit(txn(c)).then(() => order.push(c))));
    expect(order).toEqual([1, 2, 3]);
  });

  it('txns proposed in one turn share one promise; a later turn starts a new batch', async () => {
    const { leader, ready } = cluster([1n]);
    await ready;
    const first = [1, 2, 3].map((c) => leader.commit(txn(c)));
    expect(new Set(first).size).toBe(1);
    await Promise.resolve();
    const second = leader.commit(txn(4));
    expect(second).not.toBe(first[0]);
    const order: string[] = [];
    await Promise.all([
      second.then(() => order.push('second')),
      first[0]!.then(() => order.push('first')),
    ]);
    expect(order).toEqual(['first', 'second']);
  });

  it('a batch still waiting for its quorum fails when leadership ends', async () => {
    const { leader, ready } = cluster([1n]);
    await ready;
    const pending = [1, 2].map((c) => leader.commit(txn(c)));
    leader.stop('stepping down');
    await expect(pending[0]).rejects.toThrow(/stepping down/);
    await expect(pending[1]).rejects.toThrow(/stepping down/);
  });

  it('without a quorum it never establishes, and pending commits fail when leadership ends', async () => {
    const { leader, events } = cluster([]);
    await expect(leader.commit(txn(1))).rejects.toThrow(/before the leader is established/);
    await new Promise((r) => setTimeout(r, 1100));
    expect(events.some((e) => e.startsWith('shutdown no quorum within initLimit'))).toBe(true);
    await expect(leader.commit(txn(1))).rejects.toThrow(/no quorum/);
  });
});
