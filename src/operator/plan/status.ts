import type {
  Condition,
  ConditionType,
  MemberStatus,
  ResolvedEnsemble,
  ZooKeeperEnsembleStatus,
} from '../api/index.js';
import { selectorString } from '../specs/meta.js';
import { quorumHealth } from './health.js';
import type { Observed, Plan } from './types.js';

export interface StatusInput {
  observed: Observed;
  desired: ResolvedEnsemble;
  generation: number;
  plan?: Plan;
  previous?: ZooKeeperEnsembleStatus;
  /** RFC 3339, for lastTransitionTime of conditions that change now */
  now: string;
  /** set when this round failed or the spec was refused */
  error?: { reason: string; message: string };
}

/** The tag of an image reference, or the reference itself when it has none. */
export function imageVersion(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(colon + 1) : noDigest;
}

function condition(
  previous: Condition[] | undefined,
  type: ConditionType,
  status: Condition['status'],
  reason: string,
  message: string,
  generation: number,
  now: string,
): Condition {
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    observedGeneration: generation,
    // Kubernetes convention: the time the status last flipped, not the time of this write.
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
  };
}

export function computeStatus(input: StatusInput): ZooKeeperEnsembleStatus {
  const { observed: o, desired, generation, plan, previous, now, error } = input;
  const want = desired.spec.replicas;
  const health = quorumHealth(o);
  const members: MemberStatus[] = [...o.members]
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((m) => {
      const s: MemberStatus = { pod: m.pod, role: m.role, ready: m.ready && !m.terminating };
      if (m.zxid !== undefined) s.zxid = `0x${m.zxid.toString(16)}`;
      return s;
    });
  const readyReplicas = members.filter((m) => m.ready).length;
  const targetVersion = imageVersion(desired.spec.image);
  const images = new Set(o.members.map((m) => m.image ?? ''));
  const allUpToDate = o.members.length > 0 && o.members.every((m) => m.upToDate);
  const currentVersion =
    allUpToDate && images.size === 1 ? imageVersion([...images][0]!) : previous?.currentVersion;
  const membershipDone =
    o.statefulSetReplicas === want &&
    o.votingServerIds?.length === want &&
    o.votingServerIds.every((sid) => sid - 1 < want);
  const ready = health.healthy && membershipDone && readyReplicas === want && !error;
  const phase = plan?.phase ?? 'Stable';
  const prev = previous?.conditions;
  const c = (t: ConditionType, s: Condition['status'], r: string, m: string) =>
    condition(prev, t, s, r, m, generation, now);

  const conditions: Condition[] = [
    ready
      ? c(
          'Ready',
          'True',
          'QuorumHealthy',
          `${want} members, leader ${health.leader?.pod}, all followers synced`,
        )
      : c(
          'Ready',
          'False',
          error
            ? error.reason
            : !health.leader
              ? 'NoQuorum'
              : !health.healthy
                ? 'QuorumUnhealthy'
                : 'MembersPending',
          error
            ? error.message
            : health.healthy
              ? `${readyReplicas} of ${want} members ready`
              : health.reason,
        ),
    phase === 'Stable' || phase === 'Recovering'
      ? c('Progressing', 'False', 'Stable', 'no change in progress')
      : c('Progressing', 'True', phase, plan?.actions.map((a) => a.reason).join('; ') ?? phase),
    error
      ? c('Degraded', 'True', error.reason, error.message)
      : o.members.length > 0 &&
          !health.leader &&
          o.members.some((m) => m.ready || m.role !== 'unknown')
        ? c('Degraded', 'True', 'QuorumLost', health.reason)
        : c('Degraded', 'False', 'AsExpected', 'no fault seen'),
  ];

  const status: ZooKeeperEnsembleStatus = {
    replicas: o.statefulSetReplicas,
    readyReplicas,
    selector: selectorString(desired.metadata.name),
    members,
    targetVersion,
    observedGeneration: generation,
    conditions,
  };
  if (health.leader) status.leader = health.leader.pod;
  if (currentVersion !== undefined) status.currentVersion = currentVersion;
  return status;
}
