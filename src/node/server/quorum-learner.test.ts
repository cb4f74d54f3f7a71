import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/prng.js';
import { OpCode } from '../proto/opcodes.js';
import type { LoggedTxn } from '../proto/types.js';
import { makeZxid } from '../quorum/wire/zxid.js';
import { QuorumLeader } from './quorum-leader.js';
import { freshLeaderStart, quorumTestTiming as timing } from './quorum-test-fixture.js';
import { QuorumLearner } from './quorum-learner.js';
import { connectToLeader, QuorumPortServer } from './quorum-port.js';

const clock = { wallMs: () => Date.now(), monotonicMs: () => performance.now() };
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function txn(counter: number): LoggedTxn {
  return {
    header: {
      clientId: 1n,
      cxid: counter,
      zxid: makeZxid(1, counter),
      time: 0,
      type: OpCode.create,
    },
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

const never = () => undefined;

/** A leader (sid 3) and followers 1 and 2 over real TCP on loopback, synced. */
async function cluster() {
  let ready!: () => void;
  const established = new Promise<void>((r) => (ready = r));
  const port: QuorumPortServer = new QuorumPortServer({
    connected: (c) => leader.learnerConnected(c),
    packet: (c, p) => leader.learnerPacket(c, p),
    disconnected: (c) => leader.learnerDisconnected(c),
  });
  const leader = new QuorumLeader(
    {
      send: (c, p) => port.send(c, p),
      sendSnapshot: never,
      close: (c) => port.close(c),
      persist: (t) => Promise.resolve(t.at(-1)!.header.zxid),
      writeEpoch: never,
      established: () => ready(),
      learnerRequest: never,
      expireSession: never,
      shutdown: never,
    },
    clock,
    seededRandom(1),
  );
  const quorumPort = await port.listen('127.0.0.1', 0);
  cleanup.push(() => port.stop());
  leader.start(freshLeaderStart());
  const seen = new Map<bigint, string[]>();
  const down: Array<Promise<string>> = [];
  for (const sid of [1n, 2n]) {
    const log: string[] = [];
    seen.set(sid, log);
    let shut!: (r: string) => void;
    down.push(new Promise((r) => (shut = r)));
    const learner: QuorumLearner = new QuorumLearner(
      {
        send: (p) => link.send(p),
        persist: (t) => new Promise((r) => setTimeout(() => r(t.at(-1)!.header.zxid), 1)),
        apply: (t) => log.push(`apply ${t.header.zxid.toString(16)}`),
        writeEpoch: (w, e) => log.push(`${w}=${e}`),
        truncateLog: async () => never(),
        takeSnapshot: async () => never(),
        serving: (e) => log.push(`serving ${e}`),
        syncDone: never,
        revalidated: never,
        activateConfig: never,
        shutdown: (r) => shut(r),
      },
      clock,
      seededRandom(Number(sid)),
    );
    cleanup.push(() => learner.stop());
    learner.start({
      self: sid,
      role: 'follower',
      timing,
      configVersion: 0n,
      acceptedEpoch: 0,
      currentEpoch: 0,
      lastLoggedZxid: 0n,
    });
    const link = await connectToLeader({
      host: '127.0.0.1',
      port: quorumPort,
      readSnapshot: () => ({ used: 0, done: true }),
      onPacket: (p) => learner.packet(p),
      onClose: () => learner.disconnected(),
    });
    cleanup.push(() => link.close());
    learner.connected();
  }
  await established;
  return { leader, port, seen, down };
}

describe('QuorumLearner over TCP', () => {
  it('followers sync, serve, apply commits in order, write their epochs, and shut down when the leader goes', async () => {
    const { leader, port, seen, down } = await cluster();
    await Promise.all([1, 2, 3].map((c) => leader.commit(txn(c))));
    for (let i = 0; i < 50 && [...seen.values()].some((l) => l.length < 6); i++)
      await new Promise((r) => setTimeout(r, 10));
    for (const log of seen.values()) {
      expect(log).toEqual([
        'acceptedEpoch=1',
        'currentEpoch=1',
        'serving 1',
        'apply 100000001',
        'apply 100000002',
        'apply 100000003',
      ]);
    }
    leader.stop('test: leader goes away');
    await port.stop();
    expect(await Promise.all(down)).toEqual([
      'connection to the leader lost',
      'connection to the leader lost',
    ]);
  });

  it('followers stay while the leader pings, and stop once it falls silent past syncLimit', async () => {
    const { leader, down } = await cluster();
    const reasons: string[] = [];
    for (const d of down) void d.then((r) => reasons.push(r));
    // syncLimit × tickTime is 500 ms; the leader pings every tick.
    await new Promise((r) => setTimeout(r, 1200));
    expect(reasons).toEqual([]);
    leader.stop('test: leader hangs'); // its sockets stay open, but nothing more is sent
    expect(await Promise.all(down)).toEqual([
      'leader silent past the read timeout',
      'leader silent past the read timeout',
    ]);
  });
});
