/**
 * Majority quorum (QuorumMaj, quorum-protocol.md §9): voters are the participants; a quorum is
 * more than half of them; observers never count. Versioned so that, during a reconfig, callers
 * can demand a quorum of every active config (committed + newer last-seen).
 */
export type MemberRole = 'participant' | 'observer';

export interface QuorumVerifier {
  /** Config version (zxid of the reconfig that made it; 0 when never set). */
  readonly version: bigint;
  /** sid → role of every member. */
  readonly members: ReadonlyMap<bigint, MemberRole>;
}

export function majorityVerifier(
  version: bigint,
  members: Iterable<[bigint, MemberRole]>,
): QuorumVerifier {
  return { version, members: new Map(members) };
}

export function isVoter(qv: QuorumVerifier, sid: bigint): boolean {
  return qv.members.get(sid) === 'participant';
}

export function voterCount(qv: QuorumVerifier): number {
  let n = 0;
  for (const role of qv.members.values()) if (role === 'participant') n++;
  return n;
}

export function containsQuorum(qv: QuorumVerifier, sids: Iterable<bigint>): boolean {
  const distinct = sids instanceof Set ? sids : new Set(sids);
  let agree = 0;
  for (const sid of distinct) if (isVoter(qv, sid)) agree++;
  return agree > voterCount(qv) / 2;
}

/** The committed config plus the last-seen one while it is newer. */
export function activeVerifiers(
  committed: QuorumVerifier,
  lastSeen: QuorumVerifier | null,
): QuorumVerifier[] {
  return lastSeen !== null && lastSeen.version > committed.version
    ? [committed, lastSeen]
    : [committed];
}

export function containsAllQuorums(
  verifiers: readonly QuorumVerifier[],
  sids: Iterable<bigint>,
): boolean {
  const distinct = sids instanceof Set ? sids : new Set(sids);
  for (const qv of verifiers) if (!containsQuorum(qv, distinct)) return false;
  return true;
}

/**
 * containsAllQuorums(activeVerifiers(committed, lastSeen), sids), building no list: a leader
 * asks it for every proposal it commits.
 */
export function containsActiveQuorums(
  committed: QuorumVerifier,
  lastSeen: QuorumVerifier | null,
  sids: ReadonlySet<bigint>,
): boolean {
  if (!containsQuorum(committed, sids)) return false;
  return (
    lastSeen === null || lastSeen.version <= committed.version || containsQuorum(lastSeen, sids)
  );
}

export function isVoterOfAny(verifiers: readonly QuorumVerifier[], sid: bigint): boolean {
  return verifiers.some((qv) => isVoter(qv, sid));
}

export function votersOfAll(verifiers: readonly QuorumVerifier[]): bigint[] {
  const out = new Set<bigint>();
  for (const qv of verifiers)
    for (const [sid, role] of qv.members) if (role === 'participant') out.add(sid);
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
