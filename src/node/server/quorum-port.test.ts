import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/prng.js';
import { JuteDecodeError, JuteReader } from '../proto/jute.js';
import { OpCode } from '../proto/opcodes.js';
import type { LoggedTxn } from '../proto/types.js';
import { decodeSnapSessions, encodeSnapSessions } from '../quorum/wire/packet-data.js';
import { PacketType } from '../quorum/wire/quorum-packet.js';
import { makeZxid } from '../quorum/wire/zxid.js';
import { learnerStep, type LearnerInput, type LearnerState } from '../quorum/zab/learner.js';
import { QuorumLeader } from './quorum-leader.js';
import { freshLeaderStart, quorumTestTiming as timing } from './quorum-test-fixture.js';
import { connectToLeader, QuorumPortServer, type LearnerLink } from './quorum-port.js';

const clock = { wallMs: () => Date.now(), monotonicMs: () => performance.now() };
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function txn(epoch: number, counter: number): LoggedTxn {
  return {
    header: {
      clientId: 1n,
      cxid: counter,
      zxid: makeZxid(epoch, counter),
      time: 0,
      type: OpCode.create,
    },
    txn: {
      type: OpCode.create,
      path: `/n${epoch}-${counter}`,
      data: null,
      acl: [],
      ephemeral: false,
      parentCVersion: 0,
    },
  };
}

/** Snapshot stream stand-in: just the session table (the tree part belongs to storage). */
function readSnapshot(buf: Buffer): { used: number; done: boolean } {
  try {
    const r = new JuteReader(buf);
    decodeSnapSessions(r);
    return { used: r.offset, done: true };
  } catch (err) {
    if (err instanceof JuteDecodeError) return { used: 0, done: false };
    throw err;
  }
}

async function run(leaderLastZxid: bigint, learnerLastZxid: bigint) {
  const applied = new Map<bigint, bigint[]>();
  const syncModes: number[] = [];
  let ready!: () => void;
  const established = new Promise<void>((r) => (ready = r));
  const port: QuorumPortServer = new QuorumPortServer({
    connected: (conn) => leader.learnerConnected(conn),
    packet: (conn, p) => leader.learnerPacket(conn, p),
    disconnected: (conn) => leader.learnerDisconnected(conn),
  });
  const leader = new QuorumLeader(
    {
      send: (conn, p) => {
        if (p.type === PacketType.SNAP || p.type === PacketType.DIFF || p.type === PacketType.TRUNC)
          syncModes.push(p.type);
        port.send(conn, p);
      },
      sendSnapshot: (conn, _zxid, sessions) => port.sendRaw(conn, encodeSnapSessions(sessions)),
      close: (conn) => port.close(conn),
      persist: (txns) => new Promise((r) => setTimeout(() => r(txns.at(-1)!.header.zxid), 1)),
      writeEpoch: () => undefined,
      established: () => ready(),
      learnerRequest: () => undefined,
      expireSession: () => undefined,
      shutdown: () => undefined,
    },
    clock,
    seededRandom(3),
  );
  cleanup.push(() => leader.stop('test over'));
  const quorumPort = await port.listen('127.0.0.1', 0);
  cleanup.push(() => port.stop());
  leader.start(
    freshLeaderStart({
      acceptedEpoch: 1,
      currentEpoch: 1,
      lastZxid: leaderLastZxid,
      sessions: [{ sessionId: 5n, timeoutMs: 4000 }],
    }),
  );
  for (const sid of [1n, 2n]) {
    let state: LearnerState | null = null;
    let link: LearnerLink | null = null;
    applied.set(sid, []);
    const feed = (input: LearnerInput): void => {
      const r = learnerStep(state, input, clock.monotonicMs());
      state = r.state;
      for (const o of r.outputs) {
        if (o.kind === 'send') link?.send(o.packet);
        if (o.kind === 'apply') applied.get(sid)!.push(o.txn.header.zxid);
        if (o.kind === 'persist') {
          const upTo = o.txns.at(-1)!.header.zxid;
          setTimeout(() => feed({ kind: 'persisted', upTo }), 1);
        }
      }
    };
    feed({
      kind: 'start',
      self: sid,
      role: 'follower',
      timing,
      configVersion: 0n,
      acceptedEpoch: 1,
      currentEpoch: 1,
      lastLoggedZxid: learnerLastZxid,
    });
    link = await connectToLeader({
      host: 'localhost',
      port: quorumPort,
      lookup: () => Promise.resolve('127.0.0.1'),
      readSnapshot,
      onPacket: (packet) => feed({ kind: 'packet', packet }),
      onClose: () => feed({ kind: 'disconnected' }),
    });
    cleanup.push(() => link!.close());
    feed({ kind: 'connected' });
  }
  await established;
  return { leader, applied, syncModes };
}

describe('quorum port over TCP', () => {
  it('learners sync by DIFF, then proposals commit through the Committer and apply everywhere in order', async () => {
    const { leader, applied, syncModes } = await run(makeZxid(1, 0), makeZxid(1, 0));
    expect(syncModes).toEqual([PacketType.DIFF, PacketType.DIFF]);
    await Promise.all([1, 2, 3, 4].map((c) => leader.commit(txn(2, c))));
    for (let i = 0; i < 50 && [...applied.values()].some((a) => a.length < 4); i++)
      await new Promise((r) => setTimeout(r, 10));
    for (const a of applied.values()) expect(a).toEqual([1, 2, 3, 4].map((c) => makeZxid(2, c)));
  });

  it('a learner below the leader window is sent SNAP with the stream after it', async () => {
    const { syncModes } = await run(makeZxid(1, 7), 0n);
    expect(syncModes).toEqual([PacketType.SNAP, PacketType.SNAP]);
  });

  it('a leader that is not there is retried five times, then reported', async () => {
    let lookups = 0;
    await expect(
      connectToLeader({
        host: 'zk-0.zk',
        port: 1,
        retryDelayMs: 5,
        lookup: () => {
          lookups++;
          return Promise.reject(new Error('ENOTFOUND zk-0.zk'));
        },
        readSnapshot,
        onPacket: () => undefined,
        onClose: () => undefined,
      }),
    ).rejects.toThrow(/ENOTFOUND/);
    expect(lookups).toBe(5);
  });
});
