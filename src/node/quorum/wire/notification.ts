/** FLE notification payload (quorum-protocol.md §2.1); the sender's sid is the connection's. */

export enum PeerState {
  LOOKING = 0,
  FOLLOWING = 1,
  LEADING = 2,
  OBSERVING = 3,
}

export interface Notification {
  state: PeerState;
  leader: bigint;
  zxid: bigint;
  electionEpoch: bigint;
  peerEpoch: bigint;
  /** 0 for the old 28/40-byte layouts, 2 for what we send. */
  version: number;
  /** Committed config text (`server.N=...` lines then `version=<hex>`); null if absent. */
  config: string | null;
}

export const NOTIFICATION_VERSION = 2;

export function encodeNotification(n: Omit<Notification, 'version'>): Buffer {
  const cfg = Buffer.from(n.config ?? '', 'utf8');
  const b = Buffer.alloc(44 + cfg.length);
  b.writeInt32BE(n.state, 0);
  b.writeBigInt64BE(n.leader, 4);
  b.writeBigInt64BE(n.zxid, 12);
  b.writeBigInt64BE(n.electionEpoch, 20);
  b.writeBigInt64BE(n.peerEpoch, 28);
  b.writeInt32BE(NOTIFICATION_VERSION, 36);
  b.writeInt32BE(cfg.length, 40);
  cfg.copy(b, 44);
  return b;
}

/** Returns null for payloads Apache drops (too short, 36 bytes, bad state, bad config length). */
export function decodeNotification(b: Buffer): Notification | null {
  if (b.length < 28) return null;
  const state = b.readInt32BE(0);
  if (state < 0 || state > 3) return null;
  const leader = b.readBigInt64BE(4);
  const zxid = b.readBigInt64BE(12);
  const electionEpoch = b.readBigInt64BE(20);
  if (b.length === 28) {
    return { state, leader, zxid, electionEpoch, peerEpoch: zxid >> 32n, version: 0, config: null };
  }
  if (b.length < 36) return null;
  const peerEpoch = b.readBigInt64BE(28);
  if (b.length === 40)
    return { state, leader, zxid, electionEpoch, peerEpoch, version: 0, config: null };
  if (b.length < 44) return null;
  const version = b.readInt32BE(36);
  let config: string | null = null;
  if (version > 1) {
    const len = b.readInt32BE(40);
    if (len < 0 || len > b.length - 44) return null;
    config = b.toString('utf8', 44, 44 + len);
  }
  return { state, leader, zxid, electionEpoch, peerEpoch, version, config };
}
