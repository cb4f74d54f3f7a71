/** Votes and their total order (quorum-protocol.md §2.2). */
import { PeerState } from '../wire/notification.js';

export interface Vote {
  leader: bigint;
  zxid: bigint;
  electionEpoch: bigint;
  peerEpoch: bigint;
}

/** A vote as reported by a peer, with the sender's state. */
export interface StatedVote extends Vote {
  state: PeerState;
}

/** Non-voting members vote for nobody. */
export const MIN_LONG = -(2n ** 63n);

/** True iff the proposal (leader, zxid, peerEpoch) beats `current` (totalOrderPredicate). */
export function beats(
  a: Omit<Vote, 'electionEpoch'>,
  current: Omit<Vote, 'electionEpoch'>,
): boolean {
  if (a.peerEpoch !== current.peerEpoch) return a.peerEpoch > current.peerEpoch;
  if (a.zxid !== current.zxid) return a.zxid > current.zxid;
  return a.leader > current.leader;
}

/** Vote equality for counting: full match if either side is LOOKING, else same leader and epoch. */
export function sameVote(a: StatedVote, b: StatedVote): boolean {
  if (a.state === PeerState.LOOKING || b.state === PeerState.LOOKING) {
    return (
      a.leader === b.leader &&
      a.zxid === b.zxid &&
      a.electionEpoch === b.electionEpoch &&
      a.peerEpoch === b.peerEpoch
    );
  }
  return a.leader === b.leader && a.peerEpoch === b.peerEpoch;
}
