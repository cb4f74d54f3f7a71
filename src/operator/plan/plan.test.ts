import { describe, expect, it } from 'vitest';
import { resolveEnsemble, type ZooKeeperEnsembleSpec } from '../api/index.js';
import { PENDING_JOIN_TIMEOUT_MS, planNext } from './plan.js';
import { computeStatus, imageVersion } from './status.js';
import type { Action, Observed, ObservedMember } from './types.js';

const NOW = 1_000_000_000;

const desired = (spec: ZooKeeperEnsembleSpec) =>
  resolveEnsemble({
    apiVersion: 'zkts.dev/v1alpha1',
    kind: 'ZooKeeperEnsemble',
    metadata: { name: 'zk', namespace: 'ns', uid: 'u' },
    spec: { image: 'zkts:2', ...spec },
  });

const member = (ordinal: number, over: Partial<ObservedMember> = {}): ObservedMember => ({
  ordinal,
  pod: `zk-${ordinal}`,
  ready: true,
  terminating: false,
  upToDate: true,
  image: 'zkts:2',
  role: ordinal === 0 ? 'leader' : 'follower',
  zxid: 0x100000005n,
  createdAtMs: NOW - 1000,
  ...over,
});

/** n healthy voters 0..n-1 with zk-0 leading; changes per member by ordinal. */
function healthy(n: number, changes: Record<number, Partial<ObservedMember>> = {}): Observed {
  return {
    nowMs: NOW,
    statefulSetExists: true,
    statefulSetReplicas: n,
    statefulSetSettled: true,
    members: Array.from({ length: n }, (_, i) => member(i, changes[i])),
    votingServerIds: Array.from({ length: n }, (_, i) => i + 1),
    syncedFollowers: n - 1,
    pvcOrdinals: Array.from({ length: n }, (_, i) => i),
  };
}

const brief = (actions: Action[]) =>
  actions.map((a) => {
    switch (a.type) {
      case 'applyChildren':
        return `apply:${a.memberCount}`;
      case 'reconfigAdd':
        return `add:${a.ordinal}`;
      case 'reconfigRemove':
        return `remove:${a.ordinal}`;
      case 'yieldLeadership':
        return `yield:${a.pod}`;
      case 'deletePod':
        return `delete:${a.pod}`;
      case 'deletePvc':
        return `deletePvc:${a.ordinal}`;
      case 'wait':
        return 'wait';
    }
  });

describe('planNext', () => {
  const cases: [string, Observed, ZooKeeperEnsembleSpec, string, string[]][] = [
    [
      'creates everything when there is no StatefulSet',
      { ...healthy(0), statefulSetExists: false, votingServerIds: undefined },
      { replicas: 3 },
      'Creating',
      ['apply:3', 'wait'],
    ],
    ['does nothing but apply when stable', healthy(3), { replicas: 3 }, 'Stable', ['apply:3']],
    [
      'waits during bootstrap (no leader yet)',
      healthy(3, {
        0: { role: 'unknown', ready: false },
        1: { role: 'unknown', ready: false },
        2: { role: 'unknown', ready: false },
      }),
      { replicas: 3 },
      'Recovering',
      ['apply:3', 'wait'],
    ],
    [
      'scale up grows the StatefulSet by one',
      healthy(3),
      { replicas: 5 },
      'ScalingUp',
      ['apply:4', 'wait'],
    ],
    [
      'scale up waits for the new pod to be ready',
      {
        ...healthy(4, { 3: { ready: false, role: 'unknown' } }),
        votingServerIds: [1, 2, 3],
        syncedFollowers: 2,
      },
      { replicas: 5 },
      'ScalingUp',
      ['apply:4', 'wait'],
    ],
    [
      'scale up waits for the new pod to be created before anything else',
      {
        ...healthy(4),
        members: healthy(3).members,
        votingServerIds: [1, 2, 3],
        syncedFollowers: 2,
      },
      { replicas: 5 },
      'ScalingUp',
      ['apply:4', 'wait'],
    ],
    [
      'scale up adds the new pod once ready and following',
      { ...healthy(4), votingServerIds: [1, 2, 3], syncedFollowers: 2 },
      { replicas: 5 },
      'ScalingUp',
      ['apply:4', 'add:3'],
    ],
    [
      'scale up does not grow while a follower is not synced',
      { ...healthy(3), syncedFollowers: 1 },
      { replicas: 5 },
      'ScalingUp',
      ['apply:3', 'wait'],
    ],
    [
      'scale down removes the highest ordinal first',
      healthy(5),
      { replicas: 3 },
      'ScalingDown',
      ['apply:5', 'remove:4'],
    ],
    [
      'scale down shrinks after the remove',
      { ...healthy(5), votingServerIds: [1, 2, 3, 4], syncedFollowers: 3 },
      { replicas: 3 },
      'ScalingDown',
      ['apply:4', 'wait'],
    ],
    [
      'scale down then straight back up re-adds the member that was removed but not yet shrunk',
      { ...healthy(5), votingServerIds: [1, 2, 3, 4], syncedFollowers: 3 },
      { replicas: 5 },
      'ScalingUp',
      ['apply:5', 'add:4'],
    ],
    [
      'a removed member that never rejoins is restarted',
      {
        ...healthy(5, {
          4: { ready: false, role: 'unknown', createdAtMs: NOW - PENDING_JOIN_TIMEOUT_MS - 1 },
        }),
        votingServerIds: [1, 2, 3, 4],
        syncedFollowers: 3,
      },
      { replicas: 5 },
      'ScalingUp',
      ['apply:5', 'delete:zk-4'],
    ],
    [
      'after the shrink, the removed claim goes when reclaimPolicy is Delete',
      { ...healthy(3), pvcOrdinals: [0, 1, 2, 3, 4] },
      { replicas: 3, storage: { reclaimPolicy: 'Delete' } },
      'Stable',
      ['apply:3', 'deletePvc:3', 'deletePvc:4'],
    ],
    [
      'and stays when reclaimPolicy is Retain',
      { ...healthy(3), pvcOrdinals: [0, 1, 2, 3, 4] },
      { replicas: 3, storage: { reclaimPolicy: 'Retain' } },
      'Stable',
      ['apply:3'],
    ],
    [
      'a claim that a scale-up will reuse is kept',
      { ...healthy(3), pvcOrdinals: [0, 1, 2, 3] },
      { replicas: 5, storage: { reclaimPolicy: 'Delete' } },
      'ScalingUp',
      ['apply:4', 'wait'],
    ],
    [
      'rolling upgrade restarts a not-ready outdated pod first',
      healthy(3, {
        0: { upToDate: false },
        1: { upToDate: false },
        2: { upToDate: false, ready: false },
      }),
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'delete:zk-2'],
    ],
    [
      'rolling upgrade restarts followers before the leader',
      healthy(3, { 0: { upToDate: false }, 1: { upToDate: false }, 2: { upToDate: false } }),
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'delete:zk-1'],
    ],
    [
      'rolling upgrade asks the leader to yield before restarting it last',
      healthy(3, { 0: { upToDate: false } }),
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'yield:zk-0', 'delete:zk-0'],
    ],
    [
      'after the yield the old leader is an outdated follower: restarted as one',
      healthy(3, { 0: { upToDate: false, role: 'follower' }, 1: { role: 'leader' } }),
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'delete:zk-0'],
    ],
    [
      'after the yield, wait until the new leader has every follower synced',
      {
        ...healthy(3, { 0: { upToDate: false, role: 'follower' }, 1: { role: 'leader' } }),
        syncedFollowers: 1,
      },
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'wait'],
    ],
    [
      'while the quorum is unhealthy the leader is not asked to yield',
      { ...healthy(3, { 0: { upToDate: false } }), syncedFollowers: 1 },
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'wait'],
    ],
    [
      'rolling upgrade waits while a restarted member has not synced',
      { ...healthy(3, { 0: { upToDate: false }, 2: { upToDate: false } }), syncedFollowers: 1 },
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'wait'],
    ],
    [
      'pod deleted mid-upgrade: wait for it to come back, restart nothing else',
      (() => {
        const o = healthy(3, { 0: { upToDate: false }, 2: { upToDate: false } });
        o.members = o.members.filter((m) => m.ordinal !== 1);
        return o;
      })(),
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'wait'],
    ],
    [
      'pod terminating mid-upgrade: wait',
      healthy(3, { 0: { upToDate: false }, 1: { terminating: true }, 2: { upToDate: false } }),
      { replicas: 3 },
      'RollingUpgrade',
      ['apply:3', 'wait'],
    ],
    [
      'a single member is restarted even though that costs the quorum (there is no other)',
      healthy(1, { 0: { upToDate: false } }),
      { replicas: 1 },
      'RollingUpgrade',
      ['apply:1', 'delete:zk-0'],
    ],
    [
      'no quorum: a not-ready outdated pod is restarted (it serves nothing)',
      healthy(3, {
        0: { role: 'unknown', ready: false, upToDate: false },
        1: { role: 'unknown', ready: false },
        2: { role: 'unknown' },
      }),
      { replicas: 3 },
      'Recovering',
      ['apply:3', 'delete:zk-0'],
    ],
  ];

  it.each(cases)('%s', (_name, observed, spec, phase, actions) => {
    const p = planNext(observed, desired(spec));
    expect(brief(p.actions)).toEqual(actions);
    expect(p.phase).toBe(phase);
    for (const a of p.actions) expect(a.reason.length).toBeGreaterThan(0);
  });

  it('3 → 5 → 3 walks one member at a time and ends where it started', () => {
    // A tiny simulation: apply each plan's effect to the observed state.
    let o = healthy(3);
    const want = (n: number) => desired({ replicas: n, storage: { reclaimPolicy: 'Delete' } });
    const trail: string[] = [];
    const run = (n: number) => {
      for (let step = 0; step < 20; step++) {
        const p = planNext(o, want(n));
        const acts = brief(p.actions).filter((a) => a !== 'wait');
        trail.push(acts.join(','));
        if (p.phase === 'Stable' && acts.length === 1) return;
        for (const a of p.actions) {
          if (a.type === 'applyChildren' && a.memberCount !== o.statefulSetReplicas) {
            const count = a.memberCount;
            o.members = o.members.filter((m) => m.ordinal < count);
            for (let i = o.statefulSetReplicas; i < count; i++) o.members.push(member(i));
            o.pvcOrdinals = [...new Set([...o.pvcOrdinals, ...o.members.map((m) => m.ordinal)])];
            o = { ...o, statefulSetReplicas: count };
          }
          if (a.type === 'reconfigAdd') o.votingServerIds = [...o.votingServerIds!, a.ordinal + 1];
          if (a.type === 'reconfigRemove')
            o.votingServerIds = o.votingServerIds!.filter((s) => s !== a.ordinal + 1);
          if (a.type === 'deletePvc') o.pvcOrdinals = o.pvcOrdinals.filter((x) => x !== a.ordinal);
        }
        o.syncedFollowers = o.votingServerIds!.length - 1;
      }
      throw new Error(`did not settle: ${trail.join(' | ')}`);
    };
    run(5);
    expect(o.votingServerIds).toEqual([1, 2, 3, 4, 5]);
    run(3);
    expect(o.votingServerIds).toEqual([1, 2, 3]);
    expect(o.pvcOrdinals).toEqual([0, 1, 2]);
    expect(trail).toEqual([
      'apply:4',
      'apply:4,add:3',
      'apply:5',
      'apply:5,add:4',
      'apply:5',
      'apply:5,remove:4',
      'apply:4',
      'apply:4,remove:3,deletePvc:4',
      'apply:3',
      'apply:3,deletePvc:3',
      'apply:3',
    ]);
  });

  /**
   * A rolling upgrade of 3 members played out, the controller's part simulated: a deleted pod
   * comes back up to date as a follower; a yield moves leadership to the lowest updated
   * follower when the member has the command, and does nothing when it has not (Apache).
   */
  function rollOut(canYield: boolean) {
    let o = healthy(3, { 0: { upToDate: false }, 1: { upToDate: false }, 2: { upToDate: false } });
    const trail: string[] = [];
    const leaderRestarts: boolean[] = [];
    for (let step = 0; step < 20; step++) {
      const p = planNext(o, desired({ replicas: 3 }));
      trail.push(brief(p.actions).slice(1).join(','));
      if (p.phase === 'Stable') return { trail, leaderRestarts, o };
      for (const a of p.actions) {
        if (a.type === 'yieldLeadership' && canYield) {
          const next = o.members.find((m) => m.upToDate && m.pod !== a.pod)!;
          o = {
            ...o,
            members: o.members.map((m) => ({
              ...m,
              role: m === next ? 'leader' : 'follower',
            })),
          };
          break; // leadership moved: the round ends
        }
        if (a.type === 'deletePod') {
          const m = o.members.find((x) => x.pod === a.pod)!;
          leaderRestarts.push(m.role === 'leader');
          const leaderLeft = m.role === 'leader';
          o = {
            ...o,
            members: o.members.map((x) =>
              x === m
                ? { ...x, upToDate: true, role: 'follower' }
                : leaderLeft && x.ordinal === (m.ordinal + 1) % 3
                  ? { ...x, role: 'leader' }
                  : x,
            ),
          };
        }
      }
    }
    throw new Error(`did not settle: ${trail.join(' | ')}`);
  }

  it('a rolling upgrade of members that can yield never restarts a pod while it leads', () => {
    const { trail, leaderRestarts, o } = rollOut(true);
    expect(trail).toEqual([
      'delete:zk-1',
      'delete:zk-2',
      'yield:zk-0,delete:zk-0',
      'delete:zk-0',
      '',
    ]);
    expect(leaderRestarts).toEqual([false, false, false]);
    expect(o.members.every((m) => m.upToDate)).toBe(true);
    expect(o.members.find((m) => m.role === 'leader')?.pod).toBe('zk-1');
  });

  it('members without the command (Apache) get the leader restarted last, as before', () => {
    const { trail, leaderRestarts } = rollOut(false);
    expect(trail).toEqual(['delete:zk-1', 'delete:zk-2', 'yield:zk-0,delete:zk-0', '']);
    expect(leaderRestarts).toEqual([false, false, true]);
  });
});

describe('computeStatus', () => {
  it('Ready with the leader named when the quorum is healthy', () => {
    const s = computeStatus({
      observed: healthy(3),
      desired: desired({ replicas: 3 }),
      generation: 4,
      now: 'T1',
    });
    expect(s.leader).toBe('zk-0');
    expect(s.readyReplicas).toBe(3);
    expect(s.currentVersion).toBe('2');
    expect(s.members?.[0]).toEqual({
      pod: 'zk-0',
      role: 'leader',
      ready: true,
      zxid: '0x100000005',
    });
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration])).toEqual([
      ['Ready', 'True', 'QuorumHealthy', 4],
      ['Progressing', 'False', 'Stable', 4],
      ['Degraded', 'False', 'AsExpected', 4],
    ]);
  });

  it('keeps lastTransitionTime while a condition holds', () => {
    const first = computeStatus({
      observed: healthy(3),
      desired: desired({}),
      generation: 1,
      now: 'T1',
    });
    const second = computeStatus({
      observed: healthy(3),
      desired: desired({}),
      generation: 2,
      now: 'T2',
      previous: first,
    });
    expect(second.conditions?.[0]?.lastTransitionTime).toBe('T1');
    const lost = computeStatus({
      observed: healthy(3, { 0: { role: 'unknown' } }),
      desired: desired({}),
      generation: 2,
      now: 'T3',
      previous: second,
    });
    expect(lost.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NoQuorum',
      lastTransitionTime: 'T3',
    });
    expect(lost.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'QuorumLost',
    });
  });

  it('image versions', () => {
    expect(imageVersion('reg:5000/zkts:1.2')).toBe('1.2');
    expect(imageVersion('reg:5000/zkts')).toBe('reg:5000/zkts');
    expect(imageVersion('zkts:1@sha256:ab')).toBe('1');
  });
});
