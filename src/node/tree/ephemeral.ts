/** Stored ephemeralOwner encodings (EphemeralType): session, container marker, TTL. Signed 64-bit. */

export const CONTAINER_OWNER = BigInt.asIntN(64, 0x8000000000000000n);
const TTL_MASK = 0xff00000000000000n;
const TTL_VALUE_MASK = 0xff_ffff_ffffn;

export type EphemeralKind = 'void' | 'normal' | 'container' | 'ttl';

export function ttlOwner(ttlMs: number): bigint {
  return BigInt.asIntN(64, TTL_MASK | (BigInt(ttlMs) & TTL_VALUE_MASK));
}

export function ephemeralKind(owner: bigint): EphemeralKind {
  const o = BigInt.asIntN(64, owner);
  if (o === CONTAINER_OWNER) return 'container';
  if (o < 0n) return (BigInt.asUintN(64, o) & TTL_MASK) === TTL_MASK ? 'ttl' : 'void';
  return o === 0n ? 'void' : 'normal';
}

export function ttlOf(owner: bigint): number {
  return Number(BigInt.asUintN(64, owner) & TTL_VALUE_MASK);
}

/** What clients see: only real session owners. */
export function clientEphemeralOwner(owner: bigint): bigint {
  return ephemeralKind(owner) === 'normal' ? owner : 0n;
}
