import { describe, expect, it } from 'vitest';
import { OpCode } from '../../proto/opcodes.js';
import type { LoggedTxn } from '../../proto/types.js';
import { parseConfigText, verifierOf } from '../reconfig.js';
import * as d from '../wire/packet-data.js';
import { PacketType, type QuorumPacket } from '../wire/quorum-packet.js';
import { makeZxid } from '../wire/zxid.js';
import { leaderStep, type LeaderOutput, type LeaderState } from './leader.js';
import { learnerStep } from './learner.js';

const timing = { tickTimeMs: 100, initLimit: 10, syncLimit: 5 };
const line = (i: number) => `server.${i}=127.0.0.${i}:2888:3888:participant;127.0.0.${i}:2181`;
const cfg = (ids: number[], version: bigint) =>
  `${ids.map(line).join('\n')}\nversion=${version.toString(16)}`;

const pkt = (type: PacketType, zxid: bigint, data: Buffer | null = null): QuorumPacket => ({
  type,
  zxid,
  data,
  authinfo: null,
});

function reconfigTxn(zxid: bigint, ids: number[]): LoggedTxn {
  return {
    header: { clientId: 7n, cxid: 1, zxid, time: 0, type: OpCode.reconfig },
    txn: {
      type: OpCode.reconfig,
      path: '/zookeeper/config',
      data: Buffer.from(cfg(ids, zxid)),
      version: -1,
    },
  };
}

function createTxn(zxid: bigint): LoggedTxn {
  return {
    header: { clientId: 7n, cxid: 2, zxid, time: 0, type: OpCode.create },
    txn: {
      type: OpCode.create,
      path: `/n${zxid}`,
      data: null,
      acl: [],
      ephemeral: false,
      parentCVersion: 0,
    },
  };
}

const sent = (out: LeaderOutput[], conn: number) =>
  out
    .filter(
      (o): o is Extract<LeaderOutput, { kind: 'send' }> => o.kind === 'send' && o.conn === conn,
    )
    .map((o) => o.packet);

function feed(s: LeaderState, conn: number, p: QuorumPacket, now = 1) {
  return leaderStep(s, { kind: 'learner-packet', conn, packet: p }, now);
}

/** Leader `self` of config `ids` (version v), learners by sid on conn = sid, all synced. */
function established(self: bigint, ids: number[], learners: bigint[], versionFirst = false) {
  const committed = verifierOf(parseConfigText(cfg(ids, 0x100000000n)));
  let r = leaderStep(
    null,
    {
      kind: 'start',
      self,
      timing,
      committed: versionFirst ? { ...committed, version: 0n } : committed,
      lastSeen: null,
      configText: cfg(ids, versionFirst ? 0n : 0x100000000n),
      versionFirstConfig: versionFirst,
      acceptedEpoch: 1,
      currentEpoch: 1,
      lastZxid: makeZxid(1, 0),
      committedLog: [],
      sessions: [],
    },
    0,
  );
  const all: LeaderOutput[] = [];
  for (const sid of learners) {
    const conn = Number(sid);
    r = leaderStep(r.state, { kind: 'learner-connected', conn }, 1);
    r = feed(
      r.state,
      conn,
      pkt(
        PacketType.FOLLOWERINFO,
        makeZxid(1, 0),
        d.encodeLearnerInfo({ sid, protocolVersion: 0x10000, configVersion: 0n }),
      ),
    );
    all.push(...r.outputs);
  }
  for (const sid of learners) {
    const conn = Number(sid);
    r = feed(r.state, conn, pkt(PacketType.ACKEPOCH, makeZxid(1, 0), d.encodeAckEpoch(1)));
    all.push(...r.outputs);
  }
  for (const sid of learners) {
    r = feed(r.state, Number(sid), pkt(PacketType.ACK, makeZxid(2, 0)));
    all.push(...r.outputs);
  }
  expect(r.state.phase).toBe('broadcast');
  return { s: r.state, out: all };
}

describe('Zab leader: reconfig (§8)', () => {
  it('a joiner syncs as a non-voting follower; the reconfig needs quorums of both configs', () => {
    let { s } = established(1n, [1, 2, 3], [2n, 4n]);
    expect([...s.learners.values()].find((l) => l.sid === 4n)!.observer).toBe(false);
    const z = makeZxid(2, 1);
    let r = leaderStep(s, { kind: 'propose', txn: reconfigTxn(z, [1, 2, 3, 4]) }, 2);
    expect(sent(r.outputs, 4).map((p) => p.type)).toEqual([PacketType.PROPOSAL]);
    expect(r.state.lastSeen?.version).toBe(z);
    r = leaderStep(r.state, { kind: 'persisted', upTo: z }, 3);
    r = feed(r.state, 2, pkt(PacketType.ACK, z));
    // {1,2} is a quorum of {1,2,3} but not of {1,2,3,4}.
    expect(r.outputs.filter((o) => o.kind === 'apply')).toEqual([]);
    r = feed(r.state, 4, pkt(PacketType.ACK, z));
    expect(r.outputs.filter((o) => o.kind === 'apply')).toHaveLength(1);
    expect(sent(r.outputs, 2)).toEqual([
      pkt(PacketType.COMMITANDACTIVATE, z, d.encodeCommitAndActivate(1n)),
    ]);
    expect(r.outputs).toContainEqual({
      kind: 'activate-config',
      zxid: z,
      configText: cfg([1, 2, 3, 4], z),
      designatedLeader: 1n,
    });
    s = r.state;
    expect(s.committed.version).toBe(z);
    expect([...s.committed.members.keys()]).toEqual([1n, 2n, 3n, 4n]);
    expect(s.lastSeen).toBeNull();
    expect(s.allowedToCommit).toBe(true);
  });

  it('a leader that leaves designates an acking voter and commits nothing more', () => {
    const { s } = established(3n, [1, 2, 3], [1n, 2n]);
    const z = makeZxid(2, 1);
    let r = leaderStep(s, { kind: 'propose', txn: reconfigTxn(z, [1, 2]) }, 2);
    r = leaderStep(r.state, { kind: 'propose', txn: createTxn(z + 1n) }, 2);
    r = leaderStep(r.state, { kind: 'persisted', upTo: z + 1n }, 3);
    r = feed(r.state, 1, pkt(PacketType.ACK, z));
    r = feed(r.state, 1, pkt(PacketType.ACK, z + 1n));
    expect(r.outputs.filter((o) => o.kind === 'apply')).toEqual([]);
    r = feed(r.state, 2, pkt(PacketType.ACK, z));
    // Both acked the reconfig; 1 also acked the proposal after it.
    expect(r.outputs).toContainEqual(
      expect.objectContaining({ kind: 'activate-config', designatedLeader: 1n }),
    );
    expect(sent(r.outputs, 2)).toEqual([
      pkt(PacketType.COMMITANDACTIVATE, z, d.encodeCommitAndActivate(1n)),
    ]);
    expect(r.state.allowedToCommit).toBe(false);
    r = feed(r.state, 2, pkt(PacketType.ACK, z + 1n));
    expect(r.outputs.filter((o) => o.kind === 'apply')).toEqual([]);
  });

  it('with reconfigEnabled the first epoch versions the config and NEWLEADER carries it', () => {
    const { s, out } = established(1n, [1, 2, 3], [2n], true);
    const v = makeZxid(2, 0);
    expect(
      sent(out, 2)
        .find((p) => p.type === PacketType.NEWLEADER)
        ?.data?.toString(),
    ).toBe(cfg([1, 2, 3], v));
    expect(out).toContainEqual({
      kind: 'activate-config',
      zxid: v,
      configText: cfg([1, 2, 3], v),
      designatedLeader: 1n,
    });
    expect(s.committed.version).toBe(v);
  });
});

describe('Zab learner: reconfig (§8)', () => {
  it('COMMITANDACTIVATE applies the reconfig, then asks to activate with the designated leader', () => {
    let r = learnerStep(
      null,
      {
        kind: 'start',
        self: 2n,
        role: 'follower',
        timing,
        configVersion: 0n,
        acceptedEpoch: 2,
        currentEpoch: 2,
        lastLoggedZxid: makeZxid(2, 0),
      },
      0,
    );
    r = learnerStep(r.state, { kind: 'connected' }, 1);
    r = learnerStep(
      r.state,
      { kind: 'packet', packet: pkt(PacketType.LEADERINFO, makeZxid(2, 0)) },
      1,
    );
    r = learnerStep(r.state, { kind: 'packet', packet: pkt(PacketType.DIFF, makeZxid(2, 0)) }, 1);
    r = learnerStep(
      r.state,
      { kind: 'packet', packet: pkt(PacketType.NEWLEADER, makeZxid(2, 0)) },
      1,
    );
    r = learnerStep(r.state, { kind: 'packet', packet: pkt(PacketType.UPTODATE, -1n) }, 1);
    const z = makeZxid(2, 1);
    const t = reconfigTxn(z, [1, 2]);
    r = learnerStep(
      r.state,
      { kind: 'packet', packet: pkt(PacketType.PROPOSAL, z, d.encodeProposalData(t)) },
      2,
    );
    r = learnerStep(
      r.state,
      {
        kind: 'packet',
        packet: pkt(PacketType.COMMITANDACTIVATE, z, d.encodeCommitAndActivate(1n)),
      },
      3,
    );
    expect(r.outputs.map((o) => o.kind)).toEqual(['apply', 'activate-config', 'wake-at']);
    expect(r.outputs[1]).toEqual({ kind: 'activate-config', zxid: z, designatedLeader: 1n });
  });
});

describe('Zab leader: a pending reconfig at election (§8 step 6)', () => {
  function startWith(self: bigint, lastSeenIds: number[]) {
    const committed = verifierOf(parseConfigText(cfg([1, 2, 3], 0x100000000n)));
    const lastSeenText = cfg(lastSeenIds, 0x100000007n);
    let r = leaderStep(
      null,
      {
        kind: 'start',
        self,
        timing,
        committed,
        lastSeen: verifierOf(parseConfigText(lastSeenText)),
        lastSeenText,
        configText: cfg([1, 2, 3], 0x100000000n),
        acceptedEpoch: 1,
        currentEpoch: 1,
        lastZxid: 0x100000007n,
        committedLog: [],
        sessions: [],
      },
      0,
    );
    const out: LeaderOutput[] = [];
    for (const sid of [1n, 2n, 3n].filter((x) => x !== self)) {
      r = leaderStep(r.state, { kind: 'learner-connected', conn: Number(sid) }, 1);
      r = feed(
        r.state,
        Number(sid),
        pkt(
          PacketType.FOLLOWERINFO,
          makeZxid(1, 0),
          d.encodeLearnerInfo({ sid, protocolVersion: 0x10000, configVersion: 0n }),
        ),
      );
      out.push(...r.outputs);
    }
    for (const sid of [1n, 2n, 3n].filter((x) => x !== self)) {
      r = feed(r.state, Number(sid), pkt(PacketType.ACKEPOCH, 0x100000007n, d.encodeAckEpoch(1)));
      out.push(...r.outputs);
    }
    for (const sid of [1n, 2n, 3n].filter((x) => x !== self)) {
      r = feed(r.state, Number(sid), pkt(PacketType.ACK, makeZxid(2, 0)));
      out.push(...r.outputs);
    }
    return { s: r.state, out };
  }

  it('NEWLEADER carries the last-seen config and establishment commits it', () => {
    const { s, out } = startWith(3n, [1, 2, 3, 4]);
    const newLeader = out.find(
      (o) => o.kind === 'send' && o.packet.type === PacketType.NEWLEADER,
    ) as Extract<LeaderOutput, { kind: 'send' }>;
    expect(newLeader.packet.data?.toString()).toBe(cfg([1, 2, 3, 4], 0x100000007n));
    expect(out).toContainEqual(
      expect.objectContaining({ kind: 'activate-config', designatedLeader: 3n }),
    );
    expect(s.committed.version).toBe(0x100000007n);
    expect(s.allowedToCommit).toBe(true);
  });

  it('a leader outside the pending config designates a voter that acked NEWLEADER', () => {
    const { s, out } = startWith(3n, [1, 2]);
    expect(out).toContainEqual(
      expect.objectContaining({ kind: 'activate-config', designatedLeader: 2n }),
    );
    expect(s.allowedToCommit).toBe(false);
  });
});
