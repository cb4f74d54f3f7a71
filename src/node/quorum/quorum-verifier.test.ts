import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  activeVerifiers,
  containsActiveQuorums,
  containsAllQuorums,
  containsQuorum,
  majorityVerifier,
  type MemberRole,
  type QuorumVerifier,
} from './quorum-verifier.js';

const sid = fc.integer({ min: 1, max: 9 }).map(BigInt);
const verifier = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 5n }),
    fc.uniqueArray(fc.tuple(sid, fc.constantFrom<MemberRole>('participant', 'observer')), {
      selector: ([s]) => s,
      maxLength: 7,
    }),
  )
  .map(([version, members]) => majorityVerifier(version, members));

describe('quorum checks', () => {
  it('a quorum is more than half the participants; observers and repeats do not count', () => {
    const qv = majorityVerifier(0n, [
      [1n, 'participant'],
      [2n, 'participant'],
      [3n, 'participant'],
      [4n, 'observer'],
    ]);
    expect(containsQuorum(qv, [1n, 4n])).toBe(false);
    expect(containsQuorum(qv, [1n, 1n, 4n])).toBe(false);
    expect(containsQuorum(qv, new Set([1n, 3n]))).toBe(true);
  });

  it('containsActiveQuorums answers as containsAllQuorums over the active verifiers', () => {
    fc.assert(
      fc.property(
        verifier,
        fc.option(verifier, { nil: null }),
        fc.uniqueArray(sid, { maxLength: 9 }),
        (committed: QuorumVerifier, lastSeen: QuorumVerifier | null, sids: bigint[]) => {
          const set = new Set(sids);
          expect(containsActiveQuorums(committed, lastSeen, set)).toBe(
            containsAllQuorums(activeVerifiers(committed, lastSeen), sids),
          );
        },
      ),
    );
  });
});
