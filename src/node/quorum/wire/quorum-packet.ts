/**
 * QuorumPacket (quorum-protocol.md §3): jute record written back to back on the quorum port,
 * with no length prefix. The stream decoder therefore has to know when a record is complete.
 */
import { limits } from '../../../shared/limits.js';
import { JuteDecodeError, JuteReader, JuteWriter } from '../../proto/jute.js';
import { readId, writeId } from '../../proto/records.js';
import type { Id } from '../../proto/types.js';

export enum PacketType {
  REQUEST = 1,
  PROPOSAL = 2,
  ACK = 3,
  COMMIT = 4,
  PING = 5,
  REVALIDATE = 6,
  SYNC = 7,
  INFORM = 8,
  COMMITANDACTIVATE = 9,
  NEWLEADER = 10,
  FOLLOWERINFO = 11,
  UPTODATE = 12,
  DIFF = 13,
  TRUNC = 14,
  SNAP = 15,
  OBSERVERINFO = 16,
  LEADERINFO = 17,
  ACKEPOCH = 18,
  INFORMANDACTIVATE = 19,
}

export interface QuorumPacket {
  type: number;
  zxid: bigint;
  data: Buffer | null;
  authinfo: Id[] | null;
}

export function encodeQuorumPacket(p: QuorumPacket): Buffer {
  return writeQuorumPacket(new JuteWriter(32 + (p.data?.length ?? 0)), p).toBuffer();
}

/** Appends one packet to `w` (a transport's outgoing buffer, or a fresh writer). */
export function writeQuorumPacket(w: JuteWriter, p: QuorumPacket): JuteWriter {
  w.int(p.type).long(p.zxid).buffer(p.data);
  return w.vector(p.authinfo, (ww, id) => writeId(ww, id));
}

const MAX_LEN = limits.juteMaxBufferBytes * 2;

/**
 * Reads one packet at `offset`. Returns null when the buffer ends inside the packet (wait for
 * more bytes); throws JuteDecodeError for a packet that can never be valid. The packet's data
 * is a view of `buf`, which must not change afterwards.
 */
export function decodeQuorumPacket(
  buf: Buffer,
  offset = 0,
): { packet: QuorumPacket; next: number } | null {
  // Walk the length fields first, so a short buffer is told apart from a malformed one.
  let pos = offset + 12;
  if (buf.length < pos + 4) return null;
  const dataLen = buf.readInt32BE(pos);
  if (dataLen < -1 || dataLen > MAX_LEN)
    throw new JuteDecodeError(`unreasonable data length ${dataLen}`);
  pos += 4 + Math.max(dataLen, 0);
  if (buf.length < pos + 4) return null;
  const count = buf.readInt32BE(pos);
  if (count < -1 || count > MAX_LEN)
    throw new JuteDecodeError(`unreasonable authinfo count ${count}`);
  pos += 4;
  for (let i = 0; i < count; i++) {
    for (let s = 0; s < 2; s++) {
      if (buf.length < pos + 4) return null;
      const len = buf.readInt32BE(pos);
      if (len < -1 || len > MAX_LEN)
        throw new JuteDecodeError(`unreasonable ustring length ${len}`);
      pos += 4 + Math.max(len, 0);
    }
  }
  if (buf.length < pos) return null;
  // The data is a view of the received bytes, which nothing changes afterwards: a PROPOSAL's
  // data becomes the txn's kept payload, and copying 1 KiB per packet bought nothing.
  const r = new JuteReader(buf.subarray(0, pos), offset, MAX_LEN, true);
  const packet: QuorumPacket = {
    type: r.int(),
    zxid: r.long(),
    data: r.buffer(),
    authinfo: r.vector((rr) => readId(rr)),
  };
  return { packet, next: pos };
}
