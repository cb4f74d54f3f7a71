/**
 * For the quorum runtime's tests (quorum-leader, quorum-learner, quorum-port): their timing and
 * the start of a leader, sid 3 of three participants at version 0, with nothing logged yet.
 */
import { majorityVerifier } from '../quorum/quorum-verifier.js';
import type { QuorumLeader } from './quorum-leader.js';

export const quorumTestTiming = { tickTimeMs: 100, initLimit: 10, syncLimit: 5 };

type LeaderStartInput = Parameters<QuorumLeader['start']>[0];

/** The start input of a fresh leader; `changes` replace its fields (epochs, log, sessions). */
export function freshLeaderStart(changes: Partial<LeaderStartInput> = {}): LeaderStartInput {
  return {
    self: 3n,
    timing: quorumTestTiming,
    committed: majorityVerifier(0n, [
      [1n, 'participant'],
      [2n, 'participant'],
      [3n, 'participant'],
    ]),
    lastSeen: null,
    configText: 'version=0',
    acceptedEpoch: 0,
    currentEpoch: 0,
    lastZxid: 0n,
    committedLog: [],
    sessions: [],
    ...changes,
  };
}
