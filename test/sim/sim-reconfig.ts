/**
 * Dynamic reconfiguration in the simulator (quorum-protocol.md §8): the config each replica
 * holds, the reconfig txns the leader proposes (a voter leaves, or a removed one comes back),
 * and the last-seen config a rebuilt tree reveals, as the runtime (quorum-peer.ts) finds it.
 */
import { OpCode } from '../../src/node/proto/opcodes.js';
import type { LoggedTxn } from '../../src/node/proto/types.js';
import type { Random } from '../../src/shared/prng.js';
import { containsQuorum, type QuorumVerifier } from '../../src/node/quorum/quorum-verifier.js';
import { parseConfigText, verifierOf } from '../../src/node/quorum/reconfig.js';

export interface SimConfig {
  verifier: QuorumVerifier;
  text: string;
}

export function simConfigOf(text: string): SimConfig {
  return { verifier: verifierOf(parseConfigText(text)), text };
}

export function simConfigText(members: Iterable<[bigint, string]>, version: bigint): string {
  return (
    [...members]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([sid, role]) => `server.${sid}=10.0.0.${sid}:2888:3888:${role}`)
      .join('\n') + `\nversion=${version.toString(16)}`
  );
}

/**
 * The next membership: with more than three voters one leaves (the leader now and then);
 * otherwise a participant left out earlier comes back, or one leaves while two remain.
 * Null when the new config has no synced quorum (the leader would answer NEWCONFIGNOQUORUM).
 */
export function nextMembership(
  current: QuorumVerifier,
  all: ReadonlyArray<bigint>,
  leader: bigint,
  synced: ReadonlyArray<bigint>,
  random: Random,
  version: bigint,
): string | null {
  const members = new Map(current.members);
  const voters = [...members].filter(([, r]) => r === 'participant').map(([sid]) => sid);
  const missing = all.filter((sid) => !members.has(sid));
  if (voters.length <= 3 && missing.length > 0 && random.next() < 0.7) {
    members.set(missing[random.int(missing.length)]!, 'participant');
  } else if (voters.length > 2) {
    const leaving = random.next() < 0.3 ? leader : voters[random.int(voters.length)]!;
    members.delete(leaving);
  } else {
    return null;
  }
  const text = simConfigText(members, version);
  return containsQuorum(simConfigOf(text).verifier, synced) ? text : null;
}

/** The admin session the simulated reconfigs come from (cxid rises per reconfig). */
export const RECONFIG_SESSION = 0x5eedn;

export function reconfigTxn(zxid: bigint, text: string, timeMs: number, cxid: number): LoggedTxn {
  return {
    header: { clientId: RECONFIG_SESSION, cxid, zxid, time: timeMs, type: OpCode.reconfig },
    txn: { type: OpCode.reconfig, path: '/zookeeper/config', data: Buffer.from(text), version: -1 },
  };
}

/** A logged reconfig newer than the committed config, from /zookeeper/config of a rebuilt tree. */
export function lastSeenIn(configData: string | undefined, committed: SimConfig): SimConfig | null {
  if (configData === undefined || configData === '') return null;
  const seen = simConfigOf(configData);
  return seen.verifier.version > committed.verifier.version ? seen : null;
}
