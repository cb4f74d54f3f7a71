import { describe, expect, it } from 'vitest';
import { parseConfigText, verifierOf } from '../reconfig.js';
import { PeerState, type Notification } from '../wire/notification.js';
import { electionStep, initialElectionState, type ElectionConfig } from './fle.js';
import { MIN_LONG } from './vote.js';

const line = (i: number) => `server.${i}=127.0.0.${i}:2888:3888:participant;127.0.0.${i}:2181`;
const text = (ids: number[], version: bigint) =>
  `${ids.map(line).join('\n')}\nversion=${version.toString(16)}`;
const qv = (ids: number[], version: bigint) => verifierOf(parseConfigText(text(ids, version)));

function cfg(self: bigint, ids: number[], version: bigint, lastSeen?: number[]): ElectionConfig {
  return {
    self,
    committed: qv(ids, version),
    lastSeen: lastSeen === undefined ? null : qv(lastSeen, version + 5n),
    configText: text(ids, version),
    adoptNewerConfigs: true,
  };
}

const note = (p: Partial<Notification>): Notification => ({
  state: PeerState.LOOKING,
  leader: 1n,
  zxid: 0n,
  electionEpoch: 1n,
  peerEpoch: 0n,
  version: 2,
  config: null,
  ...p,
});

function start(c: ElectionConfig, zxid = 5n) {
  return electionStep(
    initialElectionState(c, 0),
    { kind: 'start', lastLoggedZxid: zxid, currentEpoch: 1n },
    0,
  );
}

describe('FLE with reconfig (§2.1, §8)', () => {
  it('a LOOKING server adopts a newer committed config from a notification and looks again', () => {
    const r0 = start(cfg(3n, [1, 2, 3, 4], 0x100000000n));
    const newer = text([1, 3, 5], 0x100000009n);
    const r = electionStep(
      r0.state,
      { kind: 'notification', from: 1n, n: note({ config: newer, state: PeerState.FOLLOWING }) },
      1,
    );
    expect(r.outputs).toContainEqual({ kind: 'adopt-config', configText: newer });
    expect(r.state.config.committed.version).toBe(0x100000009n);
    expect(r.state.logicalClock).toBe(r0.state.logicalClock + 1n);
    // The restarted round notifies the new config's voters.
    const to = r.outputs.filter((o) => o.kind === 'send').map((o) => (o as { to: bigint }).to);
    expect(to.sort()).toEqual([1n, 5n]);
  });

  it('an older or equal config is not adopted', () => {
    const r0 = start(cfg(3n, [1, 2, 3], 0x100000009n));
    const r = electionStep(
      r0.state,
      { kind: 'notification', from: 1n, n: note({ config: text([1, 3], 0x100000000n) }) },
      1,
    );
    expect(r.outputs.some((o) => o.kind === 'adopt-config')).toBe(false);
  });

  it('only a voter of the committed config is electable while a newer config is pending', () => {
    // 4 joins in the pending config; it votes MIN and nobody adopts a vote for it.
    const four = start(cfg(4n, [1, 2, 3], 0x100000000n, [1, 2, 3, 4]), 9n);
    expect(four.state.vote.leader).toBe(MIN_LONG);
    const one = start(cfg(1n, [1, 2, 3], 0x100000000n, [1, 2, 3, 4]), 5n);
    const r = electionStep(
      one.state,
      { kind: 'notification', from: 2n, n: note({ leader: 4n, zxid: 9n, electionEpoch: 1n }) },
      1,
    );
    expect(r.state.vote.leader).toBe(1n);
  });

  it('a server outside the config follows (non-voting) rather than observes', () => {
    let s = start(cfg(4n, [1, 2, 3], 0x100000000n)).state;
    let decided;
    for (const from of [1n, 2n, 3n]) {
      const r = electionStep(
        s,
        {
          kind: 'notification',
          from,
          n: note({
            leader: 3n,
            zxid: 7n,
            electionEpoch: 1n,
            state: from === 3n ? PeerState.LEADING : PeerState.FOLLOWING,
          }),
        },
        1,
      );
      s = r.state;
      decided ??= r.outputs.find((o) => o.kind === 'decided');
    }
    expect(decided).toMatchObject({ kind: 'decided', state: PeerState.FOLLOWING });
  });
});
