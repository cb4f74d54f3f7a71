import type { Observed, QuorumHealth } from './types.js';

/**
 * A quorum is healthy when exactly one member leads, the leader's voting view is known, every
 * voting member's pod is ready, and the leader counts all other voters as synced followers.
 * Every membership or restart step waits for this, so no step starts while the ensemble is
 * already one failure closer to losing quorum.
 */
export function quorumHealth(o: Observed): QuorumHealth {
  const leaders = o.members.filter((m) => m.role === 'leader' && !m.terminating);
  if (leaders.length === 0) return { healthy: false, reason: 'no member reports itself leader' };
  if (leaders.length > 1)
    return { healthy: false, reason: `${leaders.length} members report themselves leader` };
  const leader = leaders[0]!;
  if (o.votingServerIds === undefined)
    return { healthy: false, leader, reason: 'the leader did not report its voting view' };
  for (const sid of o.votingServerIds) {
    const m = o.members.find((x) => x.ordinal === sid - 1);
    if (!m || !m.ready || m.terminating)
      return {
        healthy: false,
        leader,
        reason: `voting member ${sid} (ordinal ${sid - 1}) is not ready`,
      };
  }
  const followersNeeded = o.votingServerIds.length - 1;
  if ((o.syncedFollowers ?? 0) < followersNeeded)
    return {
      healthy: false,
      leader,
      reason: `${o.syncedFollowers ?? 0} of ${followersNeeded} followers synced`,
    };
  return { healthy: true, leader, reason: 'one leader, all followers synced' };
}
