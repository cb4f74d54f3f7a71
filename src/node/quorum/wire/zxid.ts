/** zxid = epoch (high 32 bits) | counter (low 32 bits) (quorum-protocol.md §0). */
export function makeZxid(epoch: number, counter: number): bigint {
  return (BigInt(epoch) << 32n) | BigInt(counter >>> 0);
}

export function epochOf(zxid: bigint): number {
  return Number(BigInt.asIntN(64, zxid) >> 32n);
}

export function counterOf(zxid: bigint): number {
  return Number(zxid & 0xffffffffn);
}

/** NEWLEADER/LEADERINFO carry an epoch-start zxid; no txn ever has counter 0. */
export function isEpochStart(zxid: bigint): boolean {
  return (zxid & 0xffffffffn) === 0n;
}
