import type { ResolvedEnsemble } from '../api/index.js';
import { quorumHealth } from './health.js';
import type { Action, Observed, Phase, Plan } from './types.js';

const plan = (phase: Phase, memberCount: number, ...rest: Action[]): Plan => ({
  phase,
  memberCount,
  actions: [
    {
      type: 'applyChildren',
      memberCount,
      reason: `children for a membership of ${memberCount}`,
    },
    ...rest,
  ],
});

/** How long a member that should join may stay unready or unsynced before it is restarted. */
export const PENDING_JOIN_TIMEOUT_MS = 120_000;

const wait = (reason: string): Action => ({ type: 'wait', reason });

/**
 * The next step from what is to what is wanted; level-based, so calling it again after any
 * crash or restart picks up where things are. Membership changes one member at a time through
 * reconfig (add: grow the StatefulSet, wait until the new pod is ready and following, then
 * reconfig it in; remove: reconfig the highest ordinal out, then shrink). Restarts for a new
 * pod template: not-ready pods first, then followers, the leader last. Every step that can cost
 * a voter waits for a healthy quorum.
 */
export function planNext(o: Observed, desired: ResolvedEnsemble): Plan {
  const p = planStep(o, desired);
  // Claims of members gone for good are independent of the step: reclaim them alongside.
  if (o.statefulSetExists) p.actions.push(...reclaimableClaims(o, desired));
  return p;
}

function planStep(o: Observed, desired: ResolvedEnsemble): Plan {
  const want = desired.spec.replicas;
  if (!o.statefulSetExists) {
    return plan('Creating', want, wait('the StatefulSet is being created with all members'));
  }
  const current = o.statefulSetReplicas;
  const health = quorumHealth(o);
  const voting = o.votingServerIds?.map((sid) => sid - 1);

  // Before the first leader appears (bootstrap) or after quorum is lost there is nothing safe
  // to change: let the members find each other.
  if (!health.leader || voting === undefined) {
    const notReadyOutdated = o.members.find((m) => !m.ready && !m.upToDate && !m.terminating);
    if (notReadyOutdated)
      return plan('Recovering', current, {
        type: 'deletePod',
        pod: notReadyOutdated.pod,
        reason: `${notReadyOutdated.pod} is not ready and runs an old template: restart it on the new one`,
      });
    return plan('Recovering', current, wait(`no quorum yet: ${health.reason}`));
  }

  // A member that exists but is not a voter: a half-done add (or a scale-up after a
  // scale-down that had not shrunk yet). Finish adding it if it is still wanted.
  const pendingAdd = o.members
    .filter((m) => m.ordinal < Math.min(current, want) && !voting.includes(m.ordinal))
    .sort((a, b) => a.ordinal - b.ordinal)[0];
  if (pendingAdd) {
    const stuck =
      !pendingAdd.terminating &&
      o.nowMs - pendingAdd.createdAtMs > PENDING_JOIN_TIMEOUT_MS &&
      (!pendingAdd.ready || !['follower', 'observer'].includes(pendingAdd.role));
    if (stuck)
      // A member reconfig'd out stays out until it restarts; it then joins with the current
      // ConfigMap, which lists it again.
      return plan('ScalingUp', current, {
        type: 'deletePod',
        pod: pendingAdd.pod,
        reason: `${pendingAdd.pod} has not joined the leader in ${PENDING_JOIN_TIMEOUT_MS / 1000} s: restart it`,
      });
    if (!pendingAdd.ready || pendingAdd.terminating)
      return plan('ScalingUp', current, wait(`${pendingAdd.pod} is starting; it joins once ready`));
    if (!['follower', 'observer'].includes(pendingAdd.role))
      return plan(
        'ScalingUp',
        current,
        wait(`${pendingAdd.pod} has not synced with the leader yet`),
      );
    if (!health.healthy)
      return plan(
        'ScalingUp',
        current,
        wait(`quorum not healthy before adding ${pendingAdd.pod}: ${health.reason}`),
      );
    return plan('ScalingUp', current, {
      type: 'reconfigAdd',
      ordinal: pendingAdd.ordinal,
      reason: `${pendingAdd.pod} is ready and synced: add it to the voting members`,
    });
  }

  // A member the StatefulSet should have but whose pod does not exist yet (just grown, or
  // deleted): it must be created and added before the membership moves on.
  const missing = Array.from({ length: Math.min(current, want) }, (_, i) => i).find(
    (i) => !voting.includes(i) && !o.members.some((m) => m.ordinal === i),
  );
  if (missing !== undefined)
    return plan(
      'ScalingUp',
      current,
      wait(`${desired.metadata.name}-${missing} is not created yet`),
    );

  if (want < current) {
    const highest = current - 1;
    if (voting.includes(highest)) {
      if (!health.healthy)
        return plan(
          'ScalingDown',
          current,
          wait(`quorum not healthy before removing member ${highest}: ${health.reason}`),
        );
      return plan('ScalingDown', current, {
        type: 'reconfigRemove',
        ordinal: highest,
        reason: `scale ${current} → ${want}: remove ${desired.metadata.name}-${highest} from the voting members`,
      });
    }
    return plan(
      'ScalingDown',
      current - 1,
      wait(
        `${desired.metadata.name}-${highest} left the ensemble: shrink the StatefulSet to ${current - 1}`,
      ),
    );
  }

  if (want > current) {
    // Voters beyond the StatefulSet (a remove reconfig'd back in by hand) are not ours to fix.
    if (!health.healthy)
      return plan(
        'ScalingUp',
        current,
        wait(`quorum not healthy before growing: ${health.reason}`),
      );
    return plan(
      'ScalingUp',
      current + 1,
      wait(
        `scale ${current} → ${want}: start ${desired.metadata.name}-${current}, added once ready and synced`,
      ),
    );
  }

  // Membership is as wanted: roll pods whose template is old.
  const rolled = rollingStep(o, health.healthy, health.reason, health.leader.pod);
  if (rolled) return plan('RollingUpgrade', current, ...rolled);
  if (!health.healthy) return plan('Recovering', current, wait(health.reason));
  return plan('Stable', current);
}

function rollingStep(
  o: Observed,
  healthy: boolean,
  healthReason: string,
  leaderPod: string,
): Action[] | undefined {
  const outdated = o.members.filter((m) => !m.upToDate);
  if (outdated.length === 0) return undefined;
  const terminating = o.members.find((m) => m.terminating);
  if (terminating) return [wait(`${terminating.pod} is restarting`)];
  if (o.members.length < o.statefulSetReplicas)
    return [wait('a member pod is missing; the StatefulSet recreates it')];
  const notReady = outdated.find((m) => !m.ready);
  if (notReady)
    return [
      {
        type: 'deletePod',
        pod: notReady.pod,
        reason: `${notReady.pod} is not ready: restarting it on the new template costs no voter`,
      },
    ];
  if (!healthy) return [wait(`quorum not healthy before the next restart: ${healthReason}`)];
  const follower = outdated
    .filter((m) => m.pod !== leaderPod)
    .sort((a, b) => a.ordinal - b.ordinal)[0];
  if (follower)
    return [
      {
        type: 'deletePod',
        pod: follower.pod,
        reason: `restart follower ${follower.pod} on the new template`,
      },
    ];
  const restart: Action = {
    type: 'deletePod',
    pod: leaderPod,
    reason: `restart the leader ${leaderPod} last`,
  };
  // A lone member has no one to hand leadership to.
  if (o.votingServerIds === undefined || o.votingServerIds.length < 2) return [restart];
  return [
    {
      type: 'yieldLeadership',
      pod: leaderPod,
      reason: `${leaderPod} leads and is the last on the old template: hand leadership to an updated follower before restarting it`,
    },
    restart,
  ];
}

/** Claims of members that are gone for good, when reclaimPolicy says Delete. */
function reclaimableClaims(o: Observed, desired: ResolvedEnsemble): Action[] {
  if (desired.spec.storage.reclaimPolicy !== 'Delete') return [];
  const keepBelow = Math.max(o.statefulSetReplicas, desired.spec.replicas);
  return o.pvcOrdinals
    .filter((ord) => ord >= keepBelow && !o.members.some((m) => m.ordinal === ord))
    .sort((a, b) => a - b)
    .map((ordinal) => ({
      type: 'deletePvc' as const,
      ordinal,
      reason: `member ${ordinal} was removed and reclaimPolicy is Delete`,
    }));
}
