import type { MemberRole } from '../api/index.js';

/** One pod of the ensemble as the controller saw it this round. */
export interface ObservedMember {
  ordinal: number;
  pod: string;
  /** the pod's Ready condition */
  ready: boolean;
  /** deletionTimestamp set */
  terminating: boolean;
  /** its controller-revision-hash equals the StatefulSet's updateRevision */
  upToDate: boolean;
  image?: string;
  /** from the member's admin endpoint; 'unknown' if it did not answer */
  role: MemberRole;
  zxid?: bigint;
  /** when the pod object was created, ms since the epoch */
  createdAtMs: number;
}

export interface Observed {
  nowMs: number;
  statefulSetExists: boolean;
  /** spec.replicas of the StatefulSet (0 when it does not exist) */
  statefulSetReplicas: number;
  /** the StatefulSet controller has seen the latest spec (observedGeneration == generation) */
  statefulSetSettled: boolean;
  members: ObservedMember[];
  /** server ids (ordinal + 1) in the leader's voting view; undefined when no leader answered */
  votingServerIds?: number[];
  /** the leader's count of synced followers; undefined when no leader answered */
  syncedFollowers?: number;
  /** ordinals that have a data PVC */
  pvcOrdinals: number[];
}

export type Action =
  | { type: 'applyChildren'; memberCount: number; reason: string }
  | { type: 'reconfigAdd'; ordinal: number; reason: string }
  | { type: 'reconfigRemove'; ordinal: number; reason: string }
  /**
   * Ask the leader to hand leadership to a follower that has every txn. When leadership moved,
   * the controller ends the round there (what it observed is stale); the next round restarts
   * the old leader as a follower. A member without the command (Apache ZooKeeper) is no error:
   * the controller goes on with the next action, the leader's restart.
   */
  | { type: 'yieldLeadership'; pod: string; reason: string }
  | { type: 'deletePod'; pod: string; reason: string }
  | { type: 'deletePvc'; ordinal: number; reason: string }
  | { type: 'wait'; reason: string };

export type Phase =
  'Creating' | 'ScalingUp' | 'ScalingDown' | 'RollingUpgrade' | 'Recovering' | 'Stable';

export interface Plan {
  phase: Phase;
  actions: Action[];
  /** the membership size the children were applied with */
  memberCount: number;
}

export interface QuorumHealth {
  healthy: boolean;
  leader?: ObservedMember;
  reason: string;
}
