import { limits } from '../../../shared/limits.js';
import { describe, expect, it } from 'vitest';
import {
  majorityVerifier,
  containsAllQuorums,
  activeVerifiers,
  type MemberRole,
} from '../quorum-verifier.js';
import { PeerState, type Notification } from '../wire/notification.js';
import {
  electionStep,
  initialElectionState,
  type ElectionConfig,
  type ElectionOutput,
  type ElectionState,
} from './fle.js';
import { beats, MIN_LONG } from './vote.js';

function config(
  self: bigint,
  members: Array<[bigint, MemberRole]> = [
    [1n, 'participant'],
    [2n, 'participant'],
    [3n, 'participant'],
  ],
): ElectionConfig {
  return {
    self,
    committed: majorityVerifier(0n, members),
    lastSeen: null,
    configText: 'version=0',
  };
}

function note(p: Partial<Notification>): Notification {
  return {
    state: PeerState.LOOKING,
    leader: 1n,
    zxid: 0n,
    electionEpoch: 1n,
    peerEpoch: 0n,
    version: 2,
    config: 'version=0',
    ...p,
  };
}

function started(
  self: bigint,
  zxid = 0n,
  epoch = 0n,
  cfg = config(self),
): { s: ElectionState; out: ElectionOutput[] } {
  const r = electionStep(
    initialElectionState(cfg, 0),
    { kind: 'start', lastLoggedZxid: zxid, currentEpoch: epoch },
    0,
  );
  return { s: r.state, out: r.outputs };
}

const sends = (out: ElectionOutput[]) =>
  out.filter((o) => o.kind === 'send') as Array<Extract<ElectionOutput, { kind: 'send' }>>;
const decision = (out: ElectionOutput[]) => out.find((o) => o.kind === 'decided');

describe('vote order (peerEpoch, zxid, sid)', () => {
  it('compares epoch first, then zxid, then sid', () => {
    expect(
      beats({ leader: 1n, zxid: 0n, peerEpoch: 2n }, { leader: 3n, zxid: 9n, peerEpoch: 1n }),
    ).toBe(true);
    expect(
      beats({ leader: 1n, zxid: 5n, peerEpoch: 1n }, { leader: 3n, zxid: 4n, peerEpoch: 1n }),
    ).toBe(true);
    expect(
      beats({ leader: 3n, zxid: 4n, peerEpoch: 1n }, { leader: 2n, zxid: 4n, peerEpoch: 1n }),
    ).toBe(true);
    expect(
      beats({ leader: 2n, zxid: 4n, peerEpoch: 1n }, { leader: 2n, zxid: 4n, peerEpoch: 1n }),
    ).toBe(false);
  });
});

describe('quorum verifier', () => {
  it('majority of voters; observers never count; every active config must agree', () => {
    const a = majorityVerifier(1n, [
      [1n, 'participant'],
      [2n, 'participant'],
      [3n, 'participant'],
      [4n, 'observer'],
    ]);
    expect(containsAllQuorums([a], [1n, 4n])).toBe(false);
    expect(containsAllQuorums([a], [1n, 2n])).toBe(true);
    const b = majorityVerifier(2n, [
      [3n, 'participant'],
      [4n, 'participant'],
      [5n, 'participant'],
    ]);
    expect(activeVerifiers(a, b)).toHaveLength(2);
    expect(activeVerifiers(b, a)).toHaveLength(1);
    expect(containsAllQuorums([a, b], [1n, 2n])).toBe(false);
    expect(containsAllQuorums([a, b], [2n, 3n, 4n])).toBe(true);
  });
});

describe('fast leader election', () => {
  it('start: round 1, own vote to every other voter with config text', () => {
    const { s, out } = started(2n, 7n, 1n);
    expect(s.logicalClock).toBe(1n);
    expect(sends(out).map((o) => o.to)).toEqual([1n, 3n]);
    expect(sends(out)[0]!.n).toMatchObject({
      state: PeerState.LOOKING,
      leader: 2n,
      zxid: 7n,
      electionEpoch: 1n,
      peerEpoch: 1n,
      config: 'version=0',
    });
    expect(out.at(-1)).toEqual({ kind: 'wake-at', atMs: limits.electionMinNotificationIntervalMs });
  });

  it('adopts a better vote in the same round and re-notifies', () => {
    const { s } = started(1n);
    const r = electionStep(s, { kind: 'notification', from: 3n, n: note({ leader: 3n }) }, 10);
    expect(r.state.vote.leader).toBe(3n);
    expect(sends(r.outputs)).toHaveLength(2);
  });

  it('a higher round resets the round to the better of its vote and my initial vote', () => {
    const { s } = started(3n, 5n, 0n);
    const r = electionStep(
      s,
      { kind: 'notification', from: 1n, n: note({ leader: 1n, zxid: 2n, electionEpoch: 4n }) },
      10,
    );
    expect(r.state.logicalClock).toBe(4n);
    expect(r.state.vote).toMatchObject({ leader: 3n, zxid: 5n, electionEpoch: 4n });
  });

  it('answers a LOOKING peer in an older round with my proposal and ignores its vote', () => {
    const { s } = started(1n);
    const s2 = electionStep(
      s,
      { kind: 'notification', from: 2n, n: note({ leader: 2n, electionEpoch: 3n }) },
      1,
    ).state;
    const r = electionStep(
      s2,
      { kind: 'notification', from: 3n, n: note({ leader: 3n, electionEpoch: 1n }) },
      2,
    );
    expect(sends(r.outputs)).toEqual([
      { kind: 'send', to: 3n, n: expect.objectContaining({ leader: 2n, electionEpoch: 3n }) },
    ]);
    expect(r.state.vote.leader).toBe(2n);
  });

  it('ignores a -1 zxid', () => {
    const { s } = started(1n);
    const r = electionStep(
      s,
      { kind: 'notification', from: 3n, n: note({ leader: 3n, zxid: -1n }) },
      1,
    );
    expect(r.state.vote.leader).toBe(1n);
  });

  it('finalizes after a quorum agrees, deciding only after the finalize wait without a better vote', () => {
    const { s } = started(3n);
    const a = electionStep(s, { kind: 'notification', from: 2n, n: note({ leader: 3n }) }, 50);
    const deadline = 50 + limits.electionFinalizeWaitMs;
    expect(a.state.finalizeDeadlineMs).toBe(deadline);
    expect(decision(electionStep(a.state, { kind: 'tick' }, deadline - 1).outputs)).toBeUndefined();
    const d = electionStep(a.state, { kind: 'tick' }, deadline);
    expect(decision(d.outputs)).toEqual({
      kind: 'decided',
      state: PeerState.LEADING,
      vote: { leader: 3n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n },
    });
  });

  it('a single voter (standaloneEnabled=false, one server line) elects itself after the finalize wait', () => {
    const { s, out } = started(1n, 0n, 0n, config(1n, [[1n, 'participant']]));
    expect(sends(out)).toEqual([]);
    expect(s.finalizeDeadlineMs).toBe(limits.electionFinalizeWaitMs);
    const d = electionStep(s, { kind: 'tick' }, limits.electionFinalizeWaitMs);
    expect(decision(d.outputs)).toMatchObject({ kind: 'decided', state: PeerState.LEADING });
  });

  it('a better vote during finalize reopens the round', () => {
    const { s } = started(2n);
    const a = electionStep(s, { kind: 'notification', from: 1n, n: note({ leader: 2n }) }, 0);
    expect(a.state.finalizeDeadlineMs).not.toBeNull();
    const b = electionStep(
      a.state,
      { kind: 'notification', from: 3n, n: note({ leader: 3n }) },
      100,
    );
    expect(b.state.vote.leader).toBe(3n);
    // 3 and 2 now agree on 3: finalize again, then follow.
    const d = electionStep(b.state, { kind: 'tick' }, 300);
    expect(decision(d.outputs)).toMatchObject({ state: PeerState.FOLLOWING, vote: { leader: 3n } });
  });

  it('backs off from the first timeout, doubling to 60 s, re-sending and asking for connections', () => {
    let { s } = started(1n);
    s = electionStep(s, { kind: 'peer-up', sid: 2n }, 0).state;
    let now = 0;
    const timeouts: number[] = [];
    for (let i = 0; i < 12; i++) {
      now = s.pollDeadlineMs;
      const r = electionStep(s, { kind: 'tick' }, now);
      expect(sends(r.outputs).map((o) => o.to)).toEqual([2n, 3n]);
      expect(r.outputs.filter((o) => o.kind === 'connect')).toEqual([{ kind: 'connect', to: 3n }]);
      s = r.state;
      timeouts.push(s.notificationTimeoutMs);
    }
    const first = limits.electionMinNotificationIntervalMs;
    expect(timeouts.slice(0, 4)).toEqual([2 * first, 4 * first, 8 * first, 16 * first]);
    expect(timeouts.at(-1)).toBe(60_000);
  });

  it('LEADING/FOLLOWING peers answer a LOOKING peer with their vote and state', () => {
    const { s } = started(3n);
    const leading = electionStep(
      electionStep(s, { kind: 'notification', from: 2n, n: note({ leader: 3n }) }, 0).state,
      { kind: 'tick' },
      200,
    ).state;
    const r = electionStep(
      leading,
      { kind: 'notification', from: 1n, n: note({ leader: 1n, electionEpoch: 9n }) },
      300,
    );
    expect(sends(r.outputs)).toEqual([
      {
        kind: 'send',
        to: 1n,
        n: expect.objectContaining({ state: PeerState.LEADING, leader: 3n, electionEpoch: 1n }),
      },
    ]);
    const updated = electionStep(leading, { kind: 'update-epoch', peerEpoch: 1n }, 400).state;
    expect(updated.vote.peerEpoch).toBe(1n);
  });

  it('a restarted server joins a running ensemble only once the leader itself says LEADING', () => {
    const { s } = started(1n);
    const f = electionStep(
      s,
      {
        kind: 'notification',
        from: 2n,
        n: note({ state: PeerState.FOLLOWING, leader: 3n, electionEpoch: 5n, peerEpoch: 1n }),
      },
      1,
    );
    expect(decision(f.outputs)).toBeUndefined();
    const l = electionStep(
      f.state,
      {
        kind: 'notification',
        from: 3n,
        n: note({ state: PeerState.LEADING, leader: 3n, electionEpoch: 5n, peerEpoch: 1n }),
      },
      2,
    );
    expect(decision(l.outputs)).toMatchObject({
      state: PeerState.FOLLOWING,
      vote: { leader: 3n, peerEpoch: 1n },
    });
    expect(l.state.logicalClock).toBe(5n);
  });

  it('observers never vote, answer no one, and end OBSERVING', () => {
    const members: Array<[bigint, MemberRole]> = [
      [1n, 'participant'],
      [2n, 'participant'],
      [3n, 'participant'],
      [4n, 'observer'],
    ];
    const obs = started(4n, 0n, 0n, config(4n, members));
    expect(obs.s.vote.leader).toBe(MIN_LONG);
    expect(obs.s.recvset.size).toBe(0);
    let s = obs.s;
    s = electionStep(
      s,
      {
        kind: 'notification',
        from: 1n,
        n: note({ state: PeerState.FOLLOWING, leader: 3n, electionEpoch: 2n }),
      },
      1,
    ).state;
    const r = electionStep(
      s,
      {
        kind: 'notification',
        from: 3n,
        n: note({ state: PeerState.LEADING, leader: 3n, electionEpoch: 2n }),
      },
      2,
    );
    expect(decision(r.outputs)).toMatchObject({ state: PeerState.OBSERVING });
    // A voter answers an observer at once, even while looking, and does not count it.
    const voter = started(1n, 0n, 0n, config(1n, members)).s;
    const a = electionStep(
      voter,
      {
        kind: 'notification',
        from: 4n,
        n: note({ leader: MIN_LONG, zxid: MIN_LONG, peerEpoch: MIN_LONG }),
      },
      1,
    );
    expect(sends(a.outputs)).toEqual([
      { kind: 'send', to: 4n, n: expect.objectContaining({ leader: 1n }) },
    ]);
    expect(a.state.recvset.has(4n)).toBe(false);
  });

  it('three machines exchanging messages elect the highest (epoch, zxid, sid)', () => {
    const zx: Record<string, bigint> = { '1': 9n, '2': 9n, '3': 4n };
    const st = new Map<bigint, ElectionState>();
    const queue: Array<{ to: bigint; from: bigint; n: Notification }> = [];
    const decided = new Map<bigint, bigint>();
    const push = (from: bigint, outs: ElectionOutput[]) => {
      for (const o of outs) {
        if (o.kind === 'send') queue.push({ to: o.to, from, n: o.n });
        if (o.kind === 'decided') decided.set(from, o.vote.leader);
      }
    };
    for (const sid of [1n, 2n, 3n]) {
      const r = electionStep(
        initialElectionState(config(sid), 0),
        { kind: 'start', lastLoggedZxid: zx[String(sid)]!, currentEpoch: 1n },
        0,
      );
      st.set(sid, r.state);
      push(sid, r.outputs);
    }
    for (let now = 1; now < 2000 && decided.size < 3; now += 10) {
      while (queue.length > 0) {
        const m = queue.shift()!;
        const r = electionStep(st.get(m.to)!, { kind: 'notification', from: m.from, n: m.n }, now);
        st.set(m.to, r.state);
        push(m.to, r.outputs);
      }
      for (const sid of [1n, 2n, 3n]) {
        const r = electionStep(st.get(sid)!, { kind: 'tick' }, now);
        st.set(sid, r.state);
        push(sid, r.outputs);
      }
    }
    expect([...decided.values()]).toEqual([2n, 2n, 2n]);
  });
});
