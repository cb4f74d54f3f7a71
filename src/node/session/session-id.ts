/** EphemeralType.CONTAINER_EPHEMERAL_OWNER (Long.MIN_VALUE): a session may never carry it. */
const containerOwner = -(1n << 63n);

/**
 * Hands out session ids as SessionTrackerImpl does: byte 7 = server id, bytes 2..6 = low 40
 * bits of the monotonic ms clock at start, then +1 per session. Ids are signed 64-bit, as on
 * the wire. Standalone servers pass serverId 1; quorum members pass their myid.
 */
export class SessionIdGenerator {
  private nextId: bigint;

  constructor(serverId: number, nowMs: number) {
    const clockBits = BigInt.asUintN(64, BigInt(Math.trunc(nowMs)) << 24n) >> 8n;
    let first = BigInt.asIntN(64, clockBits | (BigInt(serverId) << 56n));
    if (first === containerOwner) first += 1n;
    this.nextId = first;
  }

  next(): bigint {
    const id = this.nextId;
    this.nextId = BigInt.asIntN(64, id + 1n);
    return id;
  }
}

/** `0x` + Long.toHexString(id): how 4lw output and logs name a session. */
export function sessionIdHex(id: bigint): string {
  return `0x${BigInt.asUintN(64, id).toString(16)}`;
}
