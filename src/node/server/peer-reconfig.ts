/**
 * What a QuorumPeer needs for dynamic reconfiguration beyond the pure machines: member
 * addresses of a config, /zookeeper/config in the tree (Apache's initConfigInZKDatabase), and
 * the synced servers the leader's reconfig check counts.
 */
import { OpCode } from '../proto/opcodes.js';
import type { QuorumConfig } from '../quorum/reconfig.js';
import type { LeaderState } from '../quorum/zab/leader.js';
import type { DataTree } from '../tree/data-tree.js';
import type { QuorumServerSpec } from './config-servers.js';
import type { PeerAddress } from './quorum-election-net.js';

export interface ConfigMember {
  sid: bigint;
  role: 'participant' | 'observer';
  quorum: PeerAddress;
  election: PeerAddress;
}

export interface PeerReconfigOptions {
  /** The committed config this server starts with (zoo.cfg or its dynamic file). */
  config: QuorumConfig;
  /** Apache's standaloneEnabled: a reconfig must then leave 2 voters. */
  standaloneEnabled: boolean;
  /** A config was committed and activated here: write the files, update what ops show. */
  onCommitted(config: QuorumConfig): void;
  /** A reconfig was proposed or logged here, not yet committed (Apache's `.dynamic.next`). */
  onLastSeen?(config: QuorumConfig): void;
}

export function memberOf(spec: QuorumServerSpec): ConfigMember {
  const a = spec.addresses[0]!;
  return {
    sid: BigInt(spec.id),
    role: spec.role,
    quorum: { host: a.host, port: a.quorumPort },
    election: { host: a.host, port: a.electionPort },
  };
}

/**
 * ZKDatabase.initConfigInZKDatabase: /zookeeper/config holds the config text, its data
 * version -1 and mzxid the config version, as a reconfig txn leaves it. Done outside the log
 * (every server does it itself), so the tree's last zxid is kept.
 */
export function setConfigNode(tree: DataTree, text: string, version: bigint, nowMs: number): void {
  const last = tree.lastProcessedZxid;
  tree.apply({
    header: { clientId: 0n, cxid: 0, zxid: version, time: nowMs, type: OpCode.setData },
    txn: { type: OpCode.setData, path: '/zookeeper/config', data: Buffer.from(text), version: -1 },
  });
  tree.lastProcessedZxid = last;
}

/** Leader.isQuorumSynced's set: the leader and the followers that are up to date. */
export function syncedSids(s: LeaderState): bigint[] {
  const out = [s.self];
  for (const l of s.learners.values())
    if (l.sid !== null && !l.observer && l.stage === 'uptodate' && s.tick <= l.deadlineTick)
      out.push(l.sid);
  return out;
}

/** A server's learner role in a config: observers observe; everyone else follows (voting or not). */
export function learnerRoleIn(config: QuorumConfig, sid: bigint): 'follower' | 'observer' {
  return config.servers.find((s) => BigInt(s.id) === sid)?.role === 'observer'
    ? 'observer'
    : 'follower';
}
