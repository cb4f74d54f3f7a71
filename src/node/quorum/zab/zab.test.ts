import { describe, expect, it } from 'vitest';
import { OpCode } from '../../proto/opcodes.js';
import type { LoggedTxn } from '../../proto/types.js';
import { majorityVerifier } from '../quorum-verifier.js';
import * as d from '../wire/packet-data.js';
import { PacketType, type QuorumPacket } from '../wire/quorum-packet.js';
import { makeZxid } from '../wire/zxid.js';
import { leaderStep, sessionOwner, type LeaderOutput, type LeaderState } from './leader.js';
import { learnerStep, type LearnerOutput, type LearnerState } from './learner.js';
import { planSync } from './sync-plan.js';

const timing = { tickTimeMs: 100, initLimit: 10, syncLimit: 5 };

function txn(zxid: bigint, path = `/n${zxid}`, session = 7n, cxid = 1): LoggedTxn {
  return {
    header: { clientId: session, cxid, zxid, time: 0, type: OpCode.create },
    txn: {
      type: OpCode.create,
      path,
      data: Buffer.from('v'),
      acl: [],
      ephemeral: false,
      parentCVersion: 0,
    },
  };
}

const pkt = (type: PacketType, zxid: bigint, data: Buffer | null = null): QuorumPacket => ({
  type,
  zxid,
  data,
  authinfo: null,
});

describe('sync plan (§4.4)', () => {
  const log = [1n, 2n, 3n, 4n].map((c) => txn(makeZxid(1, Number(c))));
  it('DIFF with nothing when the peer is current', () => {
    expect(planSync(makeZxid(1, 4), log, makeZxid(1, 4))).toEqual({
      mode: 'diff',
      zxid: makeZxid(1, 4),
      txns: [],
    });
  });
  it('DIFF with the missing tail when the peer is inside the window', () => {
    const p = planSync(makeZxid(1, 2), log, makeZxid(1, 4));
    expect(p.mode).toBe('diff');
    expect(p.mode !== 'snap' && p.txns.map((t) => t.header.zxid)).toEqual([
      makeZxid(1, 3),
      makeZxid(1, 4),
    ]);
  });
  it('TRUNC when the peer is ahead of the window in an old epoch', () => {
    expect(planSync(makeZxid(1, 9), log, makeZxid(1, 4))).toEqual({
      mode: 'trunc',
      zxid: makeZxid(1, 4),
      txns: [],
    });
  });
  it('TRUNC to the previous proposal when the peer holds a txn the leader lacks in the same epoch', () => {
    const gap = [txn(makeZxid(1, 1)), txn(makeZxid(1, 2)), txn(makeZxid(2, 1))];
    const p = planSync(makeZxid(1, 3), gap, makeZxid(2, 1));
    expect(p).toMatchObject({ mode: 'trunc', zxid: makeZxid(1, 2) });
    expect(p.mode !== 'snap' && p.txns.map((t) => t.header.zxid)).toEqual([makeZxid(2, 1)]);
  });
  it('SNAP when the peer is below the window or diverged in another epoch', () => {
    expect(planSync(0n, log.slice(1), makeZxid(1, 4)).mode).toBe('snap');
    const gap = [txn(makeZxid(1, 1)), txn(makeZxid(3, 1))];
    expect(planSync(makeZxid(2, 5), gap, makeZxid(3, 1)).mode).toBe('snap');
  });
  it('DIFF for a peer at an epoch-start zxid inside the window', () => {
    const l2 = [txn(makeZxid(1, 1)), txn(makeZxid(2, 1))];
    expect(planSync(makeZxid(2, 0), l2, makeZxid(2, 1))).toMatchObject({
      mode: 'diff',
      zxid: makeZxid(2, 1),
    });
  });
});

const three = majorityVerifier(0n, [
  [1n, 'participant'],
  [2n, 'participant'],
  [3n, 'participant'],
  [4n, 'observer'],
]);

function leader(
  lastZxid = makeZxid(1, 2),
  acceptedEpoch = 1,
  currentEpoch = 1,
): { s: LeaderState; out: LeaderOutput[] } {
  const r = leaderStep(
    null,
    {
      kind: 'start',
      self: 3n,
      timing,
      committed: three,
      lastSeen: null,
      configText: 'cfg',
      acceptedEpoch,
      currentEpoch,
      lastZxid,
      committedLog: [txn(makeZxid(1, 1)), txn(makeZxid(1, 2))],
      sessions: [],
    },
    0,
  );
  return { s: r.state, out: r.outputs };
}

const sent = (out: LeaderOutput[], conn?: number) =>
  out
    .filter(
      (o): o is Extract<LeaderOutput, { kind: 'send' }> =>
        o.kind === 'send' && (conn === undefined || o.conn === conn),
    )
    .map((o) => o.packet);

function feed(s: LeaderState, conn: number, p: QuorumPacket, now = 1) {
  return leaderStep(s, { kind: 'learner-packet', conn, packet: p }, now);
}

function info(sid: bigint, acceptedEpoch: number, observer = false): QuorumPacket {
  return pkt(
    observer ? PacketType.OBSERVERINFO : PacketType.FOLLOWERINFO,
    makeZxid(acceptedEpoch, 0),
    d.encodeLearnerInfo({ sid, protocolVersion: 0x10000, configVersion: 0n }),
  );
}

/** Leader 3 with follower 1 (conn 1) synced and established in epoch 2. */
function established(): LeaderState {
  let { s } = leader();
  s = leaderStep(s, { kind: 'learner-connected', conn: 1 }, 1).state;
  s = feed(s, 1, info(1n, 1)).state;
  s = feed(s, 1, pkt(PacketType.ACKEPOCH, makeZxid(1, 2), d.encodeAckEpoch(1))).state;
  const r = feed(s, 1, pkt(PacketType.ACK, makeZxid(2, 0)));
  expect(r.outputs).toContainEqual({ kind: 'established', epoch: 2, lastZxid: makeZxid(2, 0) });
  return r.state;
}

describe('Zab leader', () => {
  it('a single voter is its own quorum: it fixes the epoch, syncs and serves at start', () => {
    const r = leaderStep(
      null,
      {
        kind: 'start',
        self: 1n,
        timing,
        committed: majorityVerifier(0n, [[1n, 'participant']]),
        lastSeen: null,
        configText: 'server.1=127.0.0.1:2888:3888:participant;2181',
        acceptedEpoch: 2,
        currentEpoch: 2,
        lastZxid: makeZxid(2, 5),
        committedLog: [],
        sessions: [],
      },
      0,
    );
    expect(r.state.phase).toBe('broadcast');
    expect(r.outputs).toContainEqual({ kind: 'write-epoch', which: 'acceptedEpoch', epoch: 3 });
    expect(r.outputs).toContainEqual({ kind: 'write-epoch', which: 'currentEpoch', epoch: 3 });
    expect(r.outputs).toContainEqual({ kind: 'established', epoch: 3, lastZxid: makeZxid(3, 0) });
    // A proposal then commits on the leader's own fsync alone.
    const t = txn(makeZxid(3, 1));
    const p = leaderStep(r.state, { kind: 'propose', txn: t }, 1);
    expect(p.outputs.some((o) => o.kind === 'apply')).toBe(false);
    const c = leaderStep(p.state, { kind: 'persisted', upTo: makeZxid(3, 1) }, 2);
    expect(c.outputs).toContainEqual({ kind: 'apply', txn: t });
  });
  it('fixes the epoch above every accepted epoch once a quorum of voters connects, and persists it', () => {
    const start = leader();
    expect(start.out.find((o) => o.kind === 'write-epoch')).toBeUndefined();
    let s = start.s;
    s = leaderStep(s, { kind: 'learner-connected', conn: 1 }, 1).state;
    const r = feed(s, 1, info(1n, 5));
    expect(r.outputs).toContainEqual({ kind: 'write-epoch', which: 'acceptedEpoch', epoch: 6 });
    expect(sent(r.outputs, 1)).toEqual([
      pkt(PacketType.LEADERINFO, makeZxid(6, 0), d.encodeLeaderInfo()),
    ]);
  });

  it('observers do not make the epoch quorum', () => {
    let { s } = leader();
    s = leaderStep(s, { kind: 'learner-connected', conn: 4 }, 1).state;
    const r = feed(s, 4, info(4n, 1, true));
    expect(r.state.epochFixed).toBe(false);
  });

  it('rejects a first packet that is not FOLLOWERINFO/OBSERVERINFO', () => {
    let { s } = leader();
    s = leaderStep(s, { kind: 'learner-connected', conn: 1 }, 1).state;
    expect(feed(s, 1, pkt(PacketType.ACK, 0n)).outputs).toContainEqual(
      expect.objectContaining({ kind: 'close', conn: 1 }),
    );
  });

  it('gives up leadership if a learner is more recent', () => {
    let { s } = leader();
    s = leaderStep(s, { kind: 'learner-connected', conn: 1 }, 1).state;
    s = feed(s, 1, info(1n, 1)).state;
    const r = feed(s, 1, pkt(PacketType.ACKEPOCH, makeZxid(1, 9), d.encodeAckEpoch(1)));
    expect(r.state.phase).toBe('stopped');
    expect(r.outputs.at(-1)).toMatchObject({ kind: 'shutdown' });
  });

  it('after the ACKEPOCH quorum: currentEpoch, then DIFF + PROPOSAL/COMMIT pairs + NEWLEADER', () => {
    let { s } = leader();
    s = leaderStep(s, { kind: 'learner-connected', conn: 1 }, 1).state;
    s = feed(s, 1, info(1n, 1)).state;
    const r = feed(s, 1, pkt(PacketType.ACKEPOCH, makeZxid(1, 1), d.encodeAckEpoch(1)));
    expect(r.outputs).toContainEqual({ kind: 'write-epoch', which: 'currentEpoch', epoch: 2 });
    expect(sent(r.outputs, 1).map((p) => [p.type, p.zxid])).toEqual([
      [PacketType.DIFF, makeZxid(1, 2)],
      [PacketType.PROPOSAL, makeZxid(1, 2)],
      [PacketType.COMMIT, makeZxid(1, 2)],
      [PacketType.NEWLEADER, makeZxid(2, 0)],
    ]);
  });

  it('gives up when no quorum forms within initLimit', () => {
    const { s } = leader();
    expect(leaderStep(s, { kind: 'tick' }, 999).state.phase).toBe('discovery');
    expect(leaderStep(s, { kind: 'tick' }, 1000).state.phase).toBe('stopped');
  });

  it('commits only with a quorum of acks, strictly in zxid order, and informs observers', () => {
    let s = established();
    s = leaderStep(s, { kind: 'learner-connected', conn: 4 }, 2).state;
    s = feed(s, 4, info(4n, 2, true)).state;
    s = feed(s, 4, pkt(PacketType.ACKEPOCH, makeZxid(2, 0), d.encodeAckEpoch(-1))).state;
    s = feed(s, 4, pkt(PacketType.ACK, makeZxid(2, 0))).state;
    const a = txn(makeZxid(2, 1));
    const b = txn(makeZxid(2, 2));
    let r = leaderStep(s, { kind: 'propose', txn: a }, 3);
    expect(sent(r.outputs, 1).map((p) => p.type)).toEqual([PacketType.PROPOSAL]);
    expect(sent(r.outputs, 4)).toEqual([]);
    r = leaderStep(r.state, { kind: 'propose', txn: b }, 3);
    // Follower acks b first: nothing commits, a is still outstanding.
    r = feed(r.state, 1, pkt(PacketType.ACK, makeZxid(2, 2)));
    r = leaderStep(r.state, { kind: 'persisted', upTo: makeZxid(2, 2) }, 4);
    expect(r.outputs.filter((o) => o.kind === 'apply')).toEqual([]);
    r = feed(r.state, 1, pkt(PacketType.ACK, makeZxid(2, 1)));
    expect(
      r.outputs
        .filter((o) => o.kind === 'apply')
        .map((o) => (o as { txn: LoggedTxn }).txn.header.zxid),
    ).toEqual([makeZxid(2, 1), makeZxid(2, 2)]);
    expect(sent(r.outputs, 1).map((p) => [p.type, p.zxid])).toEqual([
      [PacketType.COMMIT, makeZxid(2, 1)],
      [PacketType.COMMIT, makeZxid(2, 2)],
    ]);
    expect(sent(r.outputs, 4).map((p) => p.type)).toEqual([PacketType.INFORM, PacketType.INFORM]);
  });

  it('rejects a proposal with a zxid out of sequence', () => {
    const s = established();
    expect(() => leaderStep(s, { kind: 'propose', txn: txn(makeZxid(2, 2)) }, 3)).toThrow(
      /does not follow/,
    );
  });

  it('sync(): SYNC at once when idle, else right after the last proposal commits', () => {
    let s = established();
    const syncReq = pkt(
      PacketType.REQUEST,
      -1n,
      d.encodeForwardedRequest({
        sessionId: 7n,
        cxid: 3,
        opType: OpCode.sync,
        body: Buffer.alloc(0),
      }),
    );
    expect(sent(feed(s, 1, syncReq).outputs, 1)).toEqual([pkt(PacketType.SYNC, 0n)]);
    s = leaderStep(s, { kind: 'propose', txn: txn(makeZxid(2, 1)) }, 3).state;
    let r = feed(s, 1, syncReq);
    expect(sent(r.outputs, 1)).toEqual([]);
    r = leaderStep(r.state, { kind: 'persisted', upTo: makeZxid(2, 1) }, 4);
    expect(sent(r.outputs, 1)).toEqual([]);
    r = feed(r.state, 1, pkt(PacketType.ACK, makeZxid(2, 1)));
    expect(sent(r.outputs, 1).map((p) => p.type)).toEqual([PacketType.COMMIT, PacketType.SYNC]);
  });

  it('forwards learner writes to the pipeline with their auth, and tracks session ownership', () => {
    const s = established();
    const body = Buffer.from('00001388', 'hex');
    const p: QuorumPacket = {
      type: PacketType.REQUEST,
      zxid: -1n,
      data: d.encodeForwardedRequest({
        sessionId: 9n,
        cxid: 0,
        opType: OpCode.createSession,
        body,
      }),
      authinfo: [{ scheme: 'ip', id: '10.0.0.1' }],
    };
    const r = feed(s, 1, p);
    expect(r.outputs).toContainEqual({
      kind: 'learner-request',
      conn: 1,
      request: {
        sessionId: 9n,
        cxid: 0,
        opType: OpCode.createSession,
        body,
        authinfo: [{ scheme: 'ip', id: '10.0.0.1' }],
      },
    });
    expect(sessionOwner(r.state, 9n)).toBe(1);
  });

  it('REVALIDATE: valid for a live session (owner moves), invalid otherwise; expiry after the timeout', () => {
    let s = established();
    s = leaderStep(s, { kind: 'touch-session', sessionId: 5n, timeoutMs: 1000 }, 10).state;
    let r = feed(s, 1, pkt(PacketType.REVALIDATE, -1n, d.encodeRevalidateRequest(5n, 1000)), 20);
    expect(sent(r.outputs, 1)).toEqual([
      pkt(PacketType.REVALIDATE, -1n, d.encodeRevalidateReply(5n, true)),
    ]);
    expect(sessionOwner(r.state, 5n)).toBe(1);
    r = feed(r.state, 1, pkt(PacketType.REVALIDATE, -1n, d.encodeRevalidateRequest(6n, 1000)), 20);
    expect(sent(r.outputs, 1)).toEqual([
      pkt(PacketType.REVALIDATE, -1n, d.encodeRevalidateReply(6n, false)),
    ]);
    // Keep the follower alive with pings, and let the session lapse.
    let now = 20;
    const expired: bigint[] = [];
    s = r.state;
    while (now < 1200) {
      now += 50;
      s = feed(s, 1, pkt(PacketType.PING, 0n, d.encodePingSessions([])), now).state;
      const t = leaderStep(s, { kind: 'tick' }, now);
      s = t.state;
      for (const o of t.outputs) if (o.kind === 'expire-session') expired.push(o.sessionId);
    }
    expect(expired).toEqual([5n]);
  });

  it('learner PING replies touch sessions', () => {
    let s = established();
    s = leaderStep(s, { kind: 'touch-session', sessionId: 5n, timeoutMs: 1000 }, 0).state;
    s = feed(
      s,
      1,
      pkt(PacketType.PING, 0n, d.encodePingSessions([{ sessionId: 5n, timeoutMs: 1000 }])),
      900,
    ).state;
    expect(s.sessions.get(5n)?.expiresAtMs).toBe(1900);
  });

  it('pings learners every half tick and steps down when the synced quorum is lost', () => {
    const s = established();
    expect(sent(leaderStep(s, { kind: 'tick' }, 50).outputs, 1)).toEqual([]);
    const r = leaderStep(s, { kind: 'tick' }, 51);
    expect(sent(r.outputs, 1)).toEqual([pkt(PacketType.PING, makeZxid(2, 0))]);
    let st = r.state;
    let stopped = -1;
    for (let now = 101; now <= 2000 && stopped < 0; now += 50) {
      st = leaderStep(st, { kind: 'tick' }, now).state;
      if (st.phase === 'stopped') stopped = now;
    }
    // Follower silent: it stops counting after syncLimit (5) ticks.
    expect(stopped).toBeGreaterThan(500);
    expect(stopped).toBeLessThanOrEqual(700);
  });

  it('drops a learner that leaves a proposal unacked past syncLimit', () => {
    let s = established();
    s = leaderStep(s, { kind: 'propose', txn: txn(makeZxid(2, 1)) }, 100).state;
    s = feed(s, 1, pkt(PacketType.PING, 0n), 640).state;
    const r = leaderStep(s, { kind: 'tick' }, 650);
    expect(r.outputs).toContainEqual(expect.objectContaining({ kind: 'close', conn: 1 }));
  });
});

function learner(
  role: 'follower' | 'observer' = 'follower',
  acceptedEpoch = 1,
  currentEpoch = 1,
  last = makeZxid(1, 2),
): LearnerState {
  let s = learnerStep(
    null,
    {
      kind: 'start',
      self: 1n,
      role,
      timing,
      configVersion: 0n,
      acceptedEpoch,
      currentEpoch,
      lastLoggedZxid: last,
    },
    0,
  ).state;
  s = learnerStep(s, { kind: 'connected' }, 0).state;
  return s;
}

const lsent = (out: LearnerOutput[]) =>
  out
    .filter((o): o is Extract<LearnerOutput, { kind: 'send' }> => o.kind === 'send')
    .map((o) => o.packet);
const lfeed = (s: LearnerState, p: QuorumPacket, now = 1) =>
  learnerStep(s, { kind: 'packet', packet: p }, now);

describe('Zab learner', () => {
  it('announces itself with FOLLOWERINFO(acceptedEpoch) and LearnerInfo', () => {
    const r = learnerStep(
      learnerStep(
        null,
        {
          kind: 'start',
          self: 1n,
          role: 'follower',
          timing,
          configVersion: 0n,
          acceptedEpoch: 3,
          currentEpoch: 3,
          lastLoggedZxid: 0n,
        },
        0,
      ).state,
      { kind: 'connected' },
      0,
    );
    expect(lsent(r.outputs)).toEqual([
      pkt(
        PacketType.FOLLOWERINFO,
        makeZxid(3, 0),
        d.encodeLearnerInfo({ sid: 1n, protocolVersion: 0x10000, configVersion: 0n }),
      ),
    ]);
  });

  it('LEADERINFO: a newer epoch is persisted and answered with currentEpoch; the same epoch with -1; an older one is refused', () => {
    const newer = lfeed(
      learner(),
      pkt(PacketType.LEADERINFO, makeZxid(2, 0), d.encodeLeaderInfo()),
    );
    expect(newer.outputs[0]).toEqual({ kind: 'write-epoch', which: 'acceptedEpoch', epoch: 2 });
    expect(lsent(newer.outputs)).toEqual([
      pkt(PacketType.ACKEPOCH, makeZxid(1, 2), d.encodeAckEpoch(1)),
    ]);
    const same = lfeed(
      learner('follower', 2),
      pkt(PacketType.LEADERINFO, makeZxid(2, 0), d.encodeLeaderInfo()),
    );
    expect(lsent(same.outputs)).toEqual([
      pkt(PacketType.ACKEPOCH, makeZxid(1, 2), d.encodeAckEpoch(-1)),
    ]);
    const older = lfeed(
      learner('follower', 3),
      pkt(PacketType.LEADERINFO, makeZxid(2, 0), d.encodeLeaderInfo()),
    );
    expect(older.state.phase).toBe('stopped');
  });

  function synced(): LearnerState {
    let s = lfeed(
      learner(),
      pkt(PacketType.LEADERINFO, makeZxid(2, 0), d.encodeLeaderInfo()),
    ).state;
    s = lfeed(s, pkt(PacketType.DIFF, makeZxid(1, 3))).state;
    s = lfeed(
      s,
      pkt(PacketType.PROPOSAL, makeZxid(1, 3), d.encodeProposalData(txn(makeZxid(1, 3)))),
    ).state;
    s = lfeed(s, pkt(PacketType.COMMIT, makeZxid(1, 3))).state;
    return s;
  }

  it('NEWLEADER: logs the sync txns, and writes currentEpoch and ACKs only once they are durable', () => {
    const r = lfeed(
      synced(),
      pkt(PacketType.NEWLEADER, makeZxid(2, 0), d.encodeNewLeaderConfig('cfg')),
    );
    expect(r.outputs.filter((o) => o.kind !== 'wake-at').map((o) => o.kind)).toEqual([
      'persist',
      'apply',
    ]);
    const p = learnerStep(r.state, { kind: 'persisted', upTo: makeZxid(1, 3) }, 2);
    expect(p.outputs.filter((o) => o.kind !== 'wake-at')).toEqual([
      { kind: 'write-epoch', which: 'currentEpoch', epoch: 2 },
      { kind: 'send', packet: pkt(PacketType.ACK, makeZxid(2, 0)) },
    ]);
    const u = lfeed(p.state, pkt(PacketType.UPTODATE, -1n));
    expect(u.outputs).toContainEqual({ kind: 'serving', epoch: 2 });
  });

  it('TRUNC cuts the log; SNAP/TRUNC snapshot at NEWLEADER', () => {
    let s = lfeed(
      learner(),
      pkt(PacketType.LEADERINFO, makeZxid(2, 0), d.encodeLeaderInfo()),
    ).state;
    const t = lfeed(s, pkt(PacketType.TRUNC, makeZxid(1, 1)));
    expect(t.outputs[0]).toEqual({ kind: 'truncate-log', zxid: makeZxid(1, 1) });
    s = lfeed(t.state, pkt(PacketType.NEWLEADER, makeZxid(2, 0))).state;
    expect(s.currentEpoch).toBe(2);
  });

  it('broadcast: ACK after durable, COMMIT applies the head, a mismatched COMMIT stops', () => {
    const acked = () => {
      let s = lfeed(
        lfeed(synced(), pkt(PacketType.NEWLEADER, makeZxid(2, 0))).state,
        pkt(PacketType.UPTODATE, -1n),
      ).state;
      s = learnerStep(s, { kind: 'persisted', upTo: makeZxid(1, 3) }, 2).state;
      const r = lfeed(
        s,
        pkt(PacketType.PROPOSAL, makeZxid(2, 1), d.encodeProposalData(txn(makeZxid(2, 1)))),
      );
      return learnerStep(r.state, { kind: 'persisted', upTo: makeZxid(2, 1) }, 3).state;
    };
    // The machine updates its state in place, so each branch starts from its own copy.
    const bad = lfeed(acked(), pkt(PacketType.COMMIT, makeZxid(2, 5)));
    expect(bad.state.phase).toBe('stopped');
    let s = lfeed(
      lfeed(synced(), pkt(PacketType.NEWLEADER, makeZxid(2, 0))).state,
      pkt(PacketType.UPTODATE, -1n),
    ).state;
    s = learnerStep(s, { kind: 'persisted', upTo: makeZxid(1, 3) }, 2).state;
    let r = lfeed(
      s,
      pkt(PacketType.PROPOSAL, makeZxid(2, 1), d.encodeProposalData(txn(makeZxid(2, 1)))),
    );
    expect(lsent(r.outputs)).toEqual([]);
    r = learnerStep(r.state, { kind: 'persisted', upTo: makeZxid(2, 1) }, 3);
    expect(lsent(r.outputs)).toEqual([pkt(PacketType.ACK, makeZxid(2, 1))]);
    r = lfeed(r.state, pkt(PacketType.COMMIT, makeZxid(2, 1)));
    expect(r.outputs).toContainEqual({ kind: 'apply', txn: txn(makeZxid(2, 1)) });
  });

  it('answers PING with the touched sessions, forwards REQUEST/REVALIDATE, reports SYNC', () => {
    let s = lfeed(
      lfeed(synced(), pkt(PacketType.NEWLEADER, makeZxid(2, 0))).state,
      pkt(PacketType.UPTODATE, -1n),
    ).state;
    s = learnerStep(s, { kind: 'touch-session', sessionId: 9n, timeoutMs: 4000 }, 2).state;
    const ping = lfeed(s, pkt(PacketType.PING, makeZxid(2, 0)));
    expect(lsent(ping.outputs)).toEqual([
      pkt(
        PacketType.PING,
        makeZxid(2, 0),
        d.encodePingSessions([{ sessionId: 9n, timeoutMs: 4000 }]),
      ),
    ]);
    expect(ping.state.touches.size).toBe(0);
    const fwd = learnerStep(
      s,
      {
        kind: 'forward',
        request: {
          sessionId: 9n,
          cxid: 4,
          opType: OpCode.sync,
          body: Buffer.from('00', 'hex'),
          authinfo: [],
        },
      },
      3,
    );
    expect(lsent(fwd.outputs)[0]).toMatchObject({
      type: PacketType.REQUEST,
      zxid: -1n,
      authinfo: [],
    });
    const rv = learnerStep(s, { kind: 'revalidate', sessionId: 9n, timeoutMs: 4000 }, 3);
    expect(lsent(rv.outputs)).toEqual([
      pkt(PacketType.REVALIDATE, -1n, d.encodeRevalidateRequest(9n, 4000)),
    ]);
    expect(
      lfeed(s, pkt(PacketType.REVALIDATE, -1n, d.encodeRevalidateReply(9n, true))).outputs,
    ).toContainEqual({ kind: 'revalidated', sessionId: 9n, valid: true });
    expect(lfeed(s, pkt(PacketType.SYNC, 0n)).outputs).toContainEqual({ kind: 'sync-done' });
  });

  it('observers apply INFORM and never ACK proposals', () => {
    let s = lfeed(
      learner('observer'),
      pkt(PacketType.LEADERINFO, makeZxid(2, 0), d.encodeLeaderInfo()),
    ).state;
    s = lfeed(s, pkt(PacketType.DIFF, makeZxid(1, 2))).state;
    s = lfeed(s, pkt(PacketType.NEWLEADER, makeZxid(2, 0))).state;
    s = lfeed(s, pkt(PacketType.UPTODATE, -1n)).state;
    const r = lfeed(
      s,
      pkt(PacketType.INFORM, makeZxid(2, 1), d.encodeProposalData(txn(makeZxid(2, 1)))),
    );
    expect(r.outputs).toContainEqual({ kind: 'apply', txn: txn(makeZxid(2, 1)) });
    expect(
      lsent(learnerStep(r.state, { kind: 'persisted', upTo: makeZxid(2, 1) }, 3).outputs),
    ).toEqual([]);
  });

  it('the leader going silent past the read timeout stops the learner', () => {
    const s = learner();
    expect(learnerStep(s, { kind: 'tick' }, 1000).state.phase).not.toBe('stopped');
    expect(learnerStep(s, { kind: 'tick' }, 1001).state.phase).toBe('stopped');
  });
});
